"""Every refusal of the transit service, with its stable code and messages in Chinese and English.

Refusals other domains share (a family member not found, real name required, no such
resource) are ``services.errors``' factories; the ones here belong to ride accounts, codes,
cards, payments, fares and tap conflicts.
"""

from __future__ import annotations

from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied, UpstreamUnavailable


def terms_required() -> InvalidInput:
    return InvalidInput(
        "transit_terms_required", "请先同意乘车服务协议。", "Accept the ride service terms first."
    )


def id_card_required() -> PermissionDenied:
    return PermissionDenied(
        "transit_id_card_required", "乘车码需要居民身份证实名。",
        "The ride code needs a verified resident ID card.",
    )  # fmt: skip


def account_exists() -> Conflict:
    return Conflict(
        "transit_account_exists", "该乘车人已开通乘车码。", "This rider already has a ride account."
    )


def account_not_found() -> NotFound:
    return NotFound(
        "transit_account_not_found", "尚未开通乘车码。", "No ride account yet: open one first."
    )


def in_arrears(arrears_fen: int) -> PermissionDenied:
    """No new code (online or offline) while fares are owed."""
    return PermissionDenied(
        "transit_in_arrears", "您有未支付的车费，请先补缴。",
        "Unpaid fares: pay them to get a ride code again.", extra={"arrears_fen": arrears_fen},
    )  # fmt: skip


def device_key_invalid() -> InvalidInput:
    return InvalidInput(
        "device_key_invalid", "设备公钥无效。", "The public key is not valid for the algorithm."
    )


def card_not_eligible() -> PermissionDenied:
    return PermissionDenied(
        "special_card_not_eligible", "未查询到符合条件的证照或年龄信息。",
        "The records do not show eligibility for this card.",
    )  # fmt: skip


def card_not_found() -> NotFound:
    return NotFound("special_card_not_found", "找不到该乘车卡。", "No such card.")


def licence_service_unavailable(platform_code: object) -> UpstreamUnavailable:
    return UpstreamUnavailable(
        "licence_service_unavailable", "电子证照服务暂不可用，请稍后再试。",
        "The electronic licence service is not answering; try again later.",
        detail=f"爱山东 error {platform_code}", retry_after=300,
    )  # fmt: skip


def nothing_owed() -> Conflict:
    return Conflict("transit_nothing_owed", "没有待补缴的车费。", "Nothing is owed.")


def top_up_instead() -> Conflict:
    return Conflict(
        "transit_top_up_instead", "预付账户请充值补缴。",
        "A prepaid account pays its arrears by topping up.",
    )  # fmt: skip


def payment_failed() -> Conflict:
    return Conflict(
        "transit_payment_failed", "扣款未成功，请检查微信支付余额后重试。",
        "WeChat Pay could not deduct the amount; check the balance and retry.",
    )  # fmt: skip


def not_prepaid() -> Conflict:
    return Conflict(
        "transit_not_prepaid", "该账户为先乘后付，无需充值。",
        "This account pays after the ride; no top-up is needed.",
    )  # fmt: skip


def top_up_amount() -> InvalidInput:
    return InvalidInput(
        "transit_top_up_amount", "充值金额应在1至500元之间。", "Top up between 1 and 500 yuan."
    )


def fare_not_future() -> InvalidInput:
    return InvalidInput(
        "fare_not_future", "票价调整只能从明天起生效。",
        "A fare change takes effect from tomorrow at the earliest.",
    )  # fmt: skip


def line_not_found() -> NotFound:
    return NotFound("transit_line_not_found", "找不到该线路。", "No such bus line.")


def tap_conflict_not_found() -> NotFound:
    return NotFound("tap_conflict_not_found", "找不到该冲突记录。", "No such tap conflict.")


def tap_conflict_resolved() -> Conflict:
    return Conflict(
        "tap_conflict_resolved", "该冲突已处理。", "This conflict was already resolved."
    )
