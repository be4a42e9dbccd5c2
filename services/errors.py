"""Domain exceptions. Services raise these; one middleware turns them into problem documents.

Each error has a stable machine ``code`` and a message in Chinese and English. The category
(the class) decides the HTTP status in ``palm.problems``; services never import aiohttp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """A documented error, for the OpenAPI contract: which code a route may answer."""

    code: str
    category: str
    message_en: str
    extra: dict[str, str] = field(default_factory=dict)


# Refusals shared by several domains: one factory each, so the code and its wording agree.
def real_name_required() -> PermissionDenied:
    """The service needs a verified identity and the resident has none (yet)."""
    return PermissionDenied(
        "real_name_required", "请先完成实名认证。", "Verify your real name first."
    )
