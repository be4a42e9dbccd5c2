"""Why a code was refused: one exception, a stable reason code, a message in Chinese and English.

The library knows nothing of HTTP: a server turns ``CodeRejected`` into its own error at its
boundary (this service: ``services.codes.errors.code_rejected``, an HTTP 400 problem document).
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "malformed": ("无法识别此码。", "This code cannot be read."),
    "unknown_key": ("此码的签发密钥未知，请更新密钥列表。", "The code's issuer key is unknown."),
    "retired_key": ("此码的签发密钥已停用。", "The code was signed with a retired key."),
    "bad_certificate": ("设备证书无效。", "The device certificate is not valid."),
    "certificate_expired": ("设备证书已过期，请联网刷新。", "The device certificate has expired."),
    "bad_signature": ("此码签名无效。", "The code's signature is not valid."),
    "wrong_purpose": ("此码不能用于此处。", "This code is not for this service."),
    "validity_too_long": ("此码有效期超出允许范围。", "The code claims too long a validity."),
    "not_yet_valid": ("此码尚未生效，请检查设备时间。", "The code is not valid yet."),
    "expired": ("此码已过期，请刷新。", "The code has expired; refresh it."),
    "revoked": ("此卡或账户已停用。", "This card or account has been suspended."),
    "already_used": ("此码已使用过，请刷新。", "This code has already been used."),
}
"""Every reason a verifier may give, in the order verification checks them."""


class CodeRejected(ValueError):
    """A code failed verification; ``reason`` is one of ``MESSAGES`` (and ``str(exc)``)."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        zh, en = MESSAGES[reason]  # an unknown reason is a bug here, not a refusal
        super().__init__(reason)
        self.reason = reason
        self.message_zh = zh
        self.message_en = en
        self.detail = detail or en
