"""Problem documents (RFC 9457): the only error shape a client ever receives.

Both messages are always there (``message_zh``, ``message_en``); ``title`` and ``detail`` are
in the reader's language, which ``Content-Language`` names.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from models.identity.residents import Language
from services.errors import (
    DomainError,
    FieldError,
    Unauthenticated,
    UpstreamUnavailable,
)


class UnsupportedMediaType(DomainError):
    category = "unsupported_media"


class PayloadTooLarge(DomainError):
    category = "too_large"


class MethodNotAllowed(DomainError):
    category = "method"


class InternalError(DomainError):
    category = "internal"


STATUS_BY_CATEGORY = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method": 405,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media": 415,
    "validation": 422,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}

PROBLEM_CONTENT_TYPE = "application/problem+json"
CONTENT_LANGUAGE = {Language.ZH: "zh-CN", Language.EN: "en"}


def problem_body(
    error: DomainError, status: int, request_id: str, instance: str, lang: Language = Language.EN
) -> dict[str, Any]:
    title = error.message_zh if lang == Language.ZH else error.message_en
    # A detail of its own (field paths, what is unavailable) stays; the default is the message.
    detail = title if error.detail == error.message_en else error.detail
    body: dict[str, Any] = {
        "type": f"urn:weihai-palm:problem:{error.code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": error.code,
        "message_zh": error.message_zh,
        "message_en": error.message_en,
        "instance": instance,
        "request_id": request_id,
    }
    if error.errors:
        body["errors"] = [_field(e) for e in error.errors]
    body.update(error.extra)
    return body


def _field(error: FieldError) -> dict[str, str]:
    return {"path": error.path, "message": error.message, "type": error.type}


def problem_response(
    error: DomainError, request_id: str, instance: str, lang: Language = Language.EN
) -> web.Response:
    status = STATUS_BY_CATEGORY.get(error.category, 400)
    body = problem_body(error, status, request_id, instance, lang)
    response = web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers={"Content-Language": CONTENT_LANGUAGE[lang]},
    )
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# Errors raised by the framework or storage, with our code and messages.
def method_not_allowed(method: str) -> DomainError:
    return MethodNotAllowed(
        "method_not_allowed", "不支持此请求方法。", f"Method {method} is not allowed here."
    )


def too_large(limit: int) -> DomainError:
    return PayloadTooLarge(
        "payload_too_large",
        f"请求内容过大（上限 {limit} 字节）。",
        f"The request body is too large (limit {limit} bytes).",
    )


def internal_error() -> DomainError:
    return InternalError(
        "internal_error",
        "服务暂时出错，请稍后再试；如持续出现，请告知请求编号。",
        "Something went wrong on our side. Please retry; quote the request id if it persists.",
    )


def storage_unavailable(what: str) -> DomainError:
    return UpstreamUnavailable(
        "service_unavailable",
        "服务暂时不可用，请稍后再试。",
        f"A service we depend on ({what}) is temporarily unavailable. Please retry shortly.",
        retry_after=5,
    )


def platform_unavailable(platform: str) -> DomainError:
    return UpstreamUnavailable(
        "platform_unavailable",
        "外部平台暂时无法访问，请稍后再试。",
        f"The {platform} platform is not answering right now. Please retry shortly.",
        retry_after=10,
        extra={"platform": platform},
    )


def not_ready(checks: dict[str, str]) -> DomainError:
    """Readiness failed: which of ``checks`` (name → ok or unavailable) did not answer."""
    return UpstreamUnavailable(
        "not_ready",
        "服务尚未就绪。",
        "Not ready: " + ", ".join(k for k, v in checks.items() if v != "ok"),
        retry_after=5,
        extra={"checks": checks},
    )


def metrics_token_required() -> DomainError:
    return Unauthenticated(
        "metrics_token_required", "需要监控令牌。", "Send 'Authorization: Bearer <token>'."
    )
