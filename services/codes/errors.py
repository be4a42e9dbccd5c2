"""Every refusal of the code engine's server side, with its stable code and zh/en messages.

A code the library refuses (``codes.errors.CodeRejected``) becomes an HTTP 400 problem here,
its reason as the ``code``; the reason table stays ``codes.errors.MESSAGES``.
"""

from __future__ import annotations

from codes.errors import CodeRejected
from services.errors import Conflict, DomainError, InvalidInput, NotFound


def code_rejected(exc: CodeRejected) -> DomainError:
    """The problem a refused code answers: 400, the reason as its code, the library's text."""
    return InvalidInput(exc.reason, exc.message_zh, exc.message_en, detail=exc.detail)


def issuer_key_not_found(kid: int) -> DomainError:
    return NotFound("issuer_key_not_found", "找不到该密钥。", f"No issuer key {kid}.")


def no_issuer_key() -> DomainError:
    return NotFound("no_issuer_key", "尚未配置签发密钥。", "No issuer key is configured.")


def issuer_key_conflict(detail: str) -> DomainError:
    return Conflict(
        "issuer_key_conflict", "密钥状态已变化，请重试。", "The issuer keys changed.", detail=detail
    )
