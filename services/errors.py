"""Domain exceptions. Services raise these; one middleware turns them into problem documents.

Each error has a stable machine ``code`` and a message in Chinese and English. The category
(the class) decides the HTTP status in ``palm.problems``; services never import aiohttp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field: its path in the request, and why."""

    path: str
    message: str
    type: str = "invalid"


class DomainError(Exception):
    """Base of every error a client may see. Subclasses choose the category."""

    category: ClassVar[str] = "invalid"

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        detail: str | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.detail = detail or message_en
        self.errors = errors or []
        self.extra = extra or {}
        self.retry_after = retry_after


class InvalidInput(DomainError):
    category = "invalid"


class ValidationFailed(DomainError):
    category = "validation"

    def __init__(self, errors: list[FieldError], *, detail: str | None = None) -> None:
        super().__init__(
            "validation_failed",
            "请求内容有误，请检查标出的字段。",
            "The request has invalid fields.",
            detail=detail or "; ".join(f"{e.path}: {e.message}" for e in errors)[:500],
            errors=errors,
        )


class Unauthenticated(DomainError):
    category = "unauthenticated"


class PermissionDenied(DomainError):
    category = "forbidden"


class NotFound(DomainError):
    category = "not_found"


class Conflict(DomainError):
    category = "conflict"


class RateLimited(DomainError):
    category = "rate_limited"


class UpstreamUnavailable(DomainError):
    """An outside platform or our own storage could not answer; the client may retry."""

    category = "unavailable"


class UpstreamRejected(DomainError):
    """An outside platform refused the request for a reason the client should see."""

    category = "upstream_rejected"


# Refusals shared by several domains and by the top-level service modules (paging, inbox,
# rate limits); a domain's own refusals are factories in ``services/<domain>/errors.py``.
def real_name_required() -> DomainError:
    return PermissionDenied(
        "real_name_required", "请先完成实名认证。", "Verify your real name first."
    )


def member_not_found() -> DomainError:
    """Not the resident nor anyone they act for: 404, so ids tell nothing about others."""
    return NotFound("member_not_found", "找不到该家庭成员。", "No such family member.")


def resident_not_found() -> DomainError:
    return NotFound("resident_not_found", "找不到该居民。", "No such resident.")


def bad_signature() -> DomainError:
    return PermissionDenied("bad_signature", "签名无效。", "The signature is not valid.")


def nonce_reused() -> DomainError:
    return PermissionDenied(
        "nonce_reused", "该请求已使用过。", "This signed request was already used."
    )


def invalid_cursor() -> DomainError:
    return InvalidInput(
        "invalid_cursor",
        "分页标记无效，请从第一页重新开始。",
        "The page cursor is not valid; start again from the first page.",
    )


def export_too_large(rows: int) -> DomainError:
    return InvalidInput(
        "export_too_large",
        f"导出超过{rows}行，请缩小日期范围。",
        f"The export would exceed {rows} rows; choose a shorter date range.",
    )


def rate_limited(scope: str, retry_after: int) -> DomainError:
    return RateLimited(
        "rate_limited",
        "操作过于频繁，请稍后再试。",
        "Too many requests; please wait a moment and try again.",
        retry_after=retry_after,
        extra={"scope": scope},
    )


def notification_not_found() -> DomainError:
    return NotFound("notification_not_found", "找不到该通知。", "No such notification.")


def not_found(message_en: str = "No such resource.") -> NotFound:
    """404 ``not_found``: nothing answers at this address (an unknown path, month or id)."""
    return NotFound("not_found", "找不到请求的资源。", message_en)


def codes_unavailable(kind_zh: str, kind_en: str) -> DomainError:
    """No issuer key yet (a set-up gap, not the resident's mistake): 503, try again later."""
    return UpstreamUnavailable(
        "codes_unavailable",
        f"暂时无法生成{kind_zh}，请稍后再试。",
        f"{kind_en} cannot be issued right now; please try again later.",
        retry_after=60,
    )
