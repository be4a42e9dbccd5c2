"""Every refusal of the chat bot's WeChat callback (signature and nonce ones are shared)."""

from __future__ import annotations

from services.errors import DomainError, InvalidInput, PermissionDenied


def encryption_required() -> DomainError:
    return PermissionDenied(
        "encryption_required",
        "只接受加密（安全模式）消息。",
        "Only encrypted (safe-mode) pushes are accepted.",
    )


def callback_mode_mismatch() -> DomainError:
    return PermissionDenied(
        "callback_mode_mismatch",
        "消息加解密方式与配置不符。",
        "The push is not in the configured (safe) mode.",
    )


def malformed_message() -> DomainError:
    return InvalidInput("malformed_message", "消息格式错误。", "The message is not valid XML.")
