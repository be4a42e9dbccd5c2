"""Field encryption, keyed lookup hashes and masking: the one place personal data is handled.

Ciphertexts carry their key id (``v1.<kid>.<base64 nonce+ct>``) so keys can rotate: the first
configured key encrypts, every configured key decrypts. Look-up hashes use a key derived from
the *last* (oldest) configured key, so adding a new key in front leaves every hash valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class FieldCipher:
    """AES-256-GCM for personal fields at rest, with the field name as associated data."""

    def __init__(self, keys: tuple[tuple[str, bytes], ...]) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._active = keys[0][0]
        self._aead = {kid: AESGCM(key) for kid, key in keys}
        # Derived, so a leaked hash key never decrypts anything.
        self._hash_key = hmac.new(keys[-1][1], b"palm lookup hash v1", hashlib.sha256).digest()

    def encrypt(self, plaintext: str, *, field: str) -> str:
        nonce = os.urandom(12)
        ct = self._aead[self._active].encrypt(nonce, plaintext.encode(), field.encode())
        return f"v1.{self._active}.{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str, *, field: str) -> str:
        version, kid, payload = token.split(".", 2)
        if version != "v1" or kid not in self._aead:
            raise ValueError("unknown ciphertext version or key id")
        raw = base64.urlsafe_b64decode(payload)
        return self._aead[kid].decrypt(raw[:12], raw[12:], field.encode()).decode()

    def lookup_hash(self, value: str, *, field: str) -> str:
        """A keyed hash for equality look-ups (the same value always gives the same hash)."""
        msg = f"{field}\x00{value}".encode()
        return hmac.new(self._hash_key, msg, hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*, John Smith → J*** S****."""
    if not name:
        return name
    if name.isascii():
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    digits = phone[-11:]
    return digits[:3] + "****" + digits[-4:] if len(digits) == 11 else "*" * len(phone)


def mask_id_number(number: str) -> str:
    """Keep the first and last characters only: 3****************X."""
    return number[:1] + "*" * (len(number) - 2) + number[-1:] if len(number) > 2 else "**"


# Patterns for free text (log lines, error details). Order matters: ID numbers before phones.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{5}[\dXx])(?!\w)")
_PR_RE = re.compile(r"(?<![0-9A-Za-z])(9\d{16}[\dXx])(?!\w)")
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)")
_BEARER_RE = re.compile(r"(?i)(bearer\s+|token[\"'=:\s]+|secret[\"'=:\s]+)([A-Za-z0-9._~+/\-]{8,})")


def mask_text(text: str) -> str:
    """Mask ID numbers, phone numbers and tokens wherever they appear in ``text``."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _PR_RE.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(m.group(1)), text)
    return _BEARER_RE.sub(lambda m: m.group(1) + "***", text)
