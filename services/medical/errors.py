"""Every refusal of the medical service (records, consent codes, recognition by clinicians)."""

from __future__ import annotations

from services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UpstreamUnavailable,
)


def record_not_found() -> DomainError:
    return NotFound("record_not_found", "找不到该记录。", "No such record.")


def document_not_found() -> DomainError:
    return NotFound("document_not_found", "该记录没有报告文件。", "This record has no file.")


def cursor_invalid() -> DomainError:
    return InvalidInput(
        "cursor_invalid", "翻页参数无效，请重新查询。", "This cursor is not valid here."
    )


def records_query_rejected() -> DomainError:
    return InvalidInput(
        "records_query_rejected",
        "健康信息平台不接受该查询条件，请调整日期或筛选条件。",
        "The health platform refused these filters; change the dates or filters.",
    )


def platform_unavailable(retry_after: int) -> DomainError:
    return UpstreamUnavailable(
        "health_platform_unavailable",
        "健康信息平台暂时无法访问，请稍后再试。",
        "The health information platform is not answering; please try again shortly.",
        retry_after=retry_after,
    )


def consent_not_found() -> DomainError:
    return NotFound("consent_not_found", "找不到该授权码。", "No such consent.")


def consent_already_revoked() -> DomainError:
    return Conflict(
        "consent_already_revoked", "该授权已撤回。", "This consent was already withdrawn."
    )


def consent_expired() -> DomainError:
    return Conflict(
        "consent_expired",
        "该授权已过期，医生已无法查看，无需撤回。",
        "This consent has expired: no one can use it any more.",
    )


def consent_not_usable() -> DomainError:
    return Conflict(
        "consent_not_usable",
        "该授权码已撤回或已使用。",
        "This consent was withdrawn or already used.",
    )


def consent_revoked() -> DomainError:
    return PermissionDenied(
        "consent_revoked", "患者已撤回该授权。", "The patient has withdrawn this consent."
    )


def clinician_without_hospital() -> DomainError:
    return PermissionDenied(
        "clinician_without_hospital", "您的账号未绑定医院。", "Your account has no hospital."
    )


def recognition_not_found(*, void: bool = False) -> DomainError:
    """No scanned consent to show; ``void``: there was one, but the delegation behind it ended."""
    if void:
        return NotFound("recognition_not_found", "该授权已失效。", "This consent is void.")
    return NotFound(
        "recognition_not_found", "找不到该授权或已过期。", "No such consent, or it expired."
    )


def access_log_not_sealed() -> DomainError:
    return NotFound(
        "access_log_not_sealed",
        "您的访问记录尚未纳入签名树，请稍后再试（每十分钟签名一次）。",
        "Your access log is not in a signed tree head yet; try again later (one is signed"
        " every ten minutes).",
    )


def access_log_seal_busy() -> DomainError:
    return Conflict(
        "access_log_seal_busy",
        "另一次访问记录签名正在进行。",
        "Another seal of the access log is running.",
    )
