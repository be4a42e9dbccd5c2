"""Every refusal of the identity service (sessions, real names, family, staff roles, devices)."""

from __future__ import annotations

from typing import Final

from services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    UpstreamUnavailable,
)


def auth_required() -> DomainError:
    return Unauthenticated(
        "auth_required", "请先登录。", "Sign in first: send 'Authorization: Bearer <token>'."
    )


def session_invalid() -> DomainError:
    return Unauthenticated(
        "session_invalid", "登录已失效，请重新登录。", "Your session has ended; sign in again."
    )


def account_closed() -> DomainError:
    return PermissionDenied("account_closed", "该账户已注销。", "This account has been closed.")


def wechat_code_invalid() -> DomainError:
    return InvalidInput(
        "wechat_code_invalid",
        "微信登录凭证无效或已使用，请重新登录。",
        "The WeChat login code is invalid or already used; call wx.login again.",
    )


def wechat_rate_limited() -> DomainError:
    return RateLimited(
        "wechat_rate_limited",
        "登录过于频繁，请稍后再试。",
        "Too many logins right now; try again in a minute.",
        retry_after=60,
    )


def wechat_risky_user() -> DomainError:
    return PermissionDenied(
        "wechat_risky_user",
        "微信判定该账号存在风险，暂不能登录。",
        "WeChat has flagged this account as risky; sign-in is blocked.",
    )


def wechat_error(errcode: int) -> DomainError:
    return UpstreamUnavailable(
        "wechat_error",
        "微信服务暂时异常，请稍后再试。",
        f"WeChat refused the login (errcode {errcode}); please retry later.",
        retry_after=30,
    )


def already_verified() -> DomainError:
    return Conflict(
        "already_verified",
        "您已完成实名认证，如需更换请联系客服。",
        "This account is already verified with another document.",
    )


def identity_mismatch() -> DomainError:
    return InvalidInput(
        "identity_mismatch",
        "姓名与证件号码不一致，请核对后重试。",
        "The name does not match the document number.",
    )


def identity_not_found() -> DomainError:
    return InvalidInput(
        "identity_not_found",
        "未查询到该证件信息，请核对后重试。",
        "No such document is on record.",
    )


def id_number_bound() -> DomainError:
    return Conflict(
        "id_number_bound",
        "该证件已绑定其他账户。如非本人操作，请联系 12345。",
        "This document is already bound to another account. If that was not you, call 12345.",
    )


def phone_code_invalid() -> DomainError:
    return InvalidInput(
        "phone_code_invalid",
        "手机号授权码无效或已过期，请重新授权。",
        "The phone-number code is invalid, used or expired; ask the user again.",
    )


def encrypted_data_invalid() -> DomainError:
    return InvalidInput(
        "encrypted_data_invalid",
        "手机号数据无法解密，请重新登录后再授权。",
        "The encrypted phone data cannot be read with this session; log in again and retry.",
    )


def id_number_invalid() -> DomainError:
    return InvalidInput("id_number_invalid", "证件号码无效。", "Invalid ID number.")


def delegation_self() -> DomainError:
    return InvalidInput("delegation_self", "不能为自己添加家人。", "You cannot add yourself.")


def delegation_child_adult() -> DomainError:
    return InvalidInput(
        "delegation_child_adult",
        "成年子女需本人授权，请让其在小程序中确认。",
        "An adult child must agree themselves; add them as family who confirms.",
    )


def delegation_not_in_household() -> DomainError:
    return InvalidInput(
        "delegation_not_in_household",
        "户籍信息中未找到该子女，请核对姓名和证件号码。",
        "This child is not in your household register; check the name and number.",
    )


def delegation_parent_minor() -> DomainError:
    return InvalidInput(
        "delegation_parent_minor", "证件号码不是成年人。", "This person is not an adult."
    )


def delegation_identity_mismatch() -> DomainError:
    return InvalidInput(
        "delegation_identity_mismatch",
        "姓名与证件号码不一致。",
        "The name does not match the ID number.",
    )


def delegation_exists() -> DomainError:
    return Conflict(
        "delegation_exists", "已添加该家人。", "You already act for this family member."
    )


def delegation_not_found() -> DomainError:
    return NotFound("delegation_not_found", "找不到该授权。", "No such delegation.")


def delegation_not_pending() -> DomainError:
    return Conflict(
        "delegation_not_pending",
        "该授权请求已处理或已过期。",
        "This request was already answered or has expired.",
    )


def organisation_invalid(kind: str, code: str) -> DomainError:
    return InvalidInput(
        "organisation_invalid", "机构不存在或类型不符。", f"No {kind} with code {code!r}."
    )


def scopes_invalid(role: str, unknown: list[str]) -> DomainError:
    return InvalidInput("scopes_invalid", "权限范围无效。", f"Unknown scopes for {role}: {unknown}")


def grant_exists() -> DomainError:
    return Conflict("grant_exists", "该居民已有此角色。", "The resident already holds this role.")


def grant_not_found() -> DomainError:
    return NotFound("grant_not_found", "找不到该授权。", "No such grant.")


_DEVICE_REFUSALS: Final = {
    "device_auth_required": "Send X-Device-Id, X-Timestamp, X-Nonce and X-Device-Signature.",
    "device_clock_skew": "The request timestamp is outside the allowed window.",
    "device_unknown": "Unknown or retired device.",
    "device_signature_invalid": "The request signature does not verify.",
    "device_nonce_reused": "This request was already received (nonce reused).",
}


def device_refused(code: str, message_en: str | None = None) -> DomainError:
    """A device's signed request refused (401): one Chinese text for every reason, which the
    English names (``message_en`` overrides the table's where the reason needs saying)."""
    return Unauthenticated(code, "设备认证失败。", message_en or _DEVICE_REFUSALS[code])
