"""Mini-program open data (``encryptedData``): AES-128-CBC under the session key, PKCS#7.

wechatpy's ``WeChatWxaCrypto`` only decrypts, reads base64 leniently and unpads without
checking the padding; here a bad key or tampered data fails loudly rather than yielding
garbage. The service binds legacy-button phone numbers through ``decrypt_phone_number``; the
simulator encrypts with ``encrypt_open_data``.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import ValidationError

from integrations.wechat.models import PhoneInfo


class EncryptedDataError(ValueError):
    """Open data that does not decrypt under the session key, or was meant for another app."""


def encrypt_open_data(
    session_key: str, data: Mapping[str, Any], iv: bytes | None = None
) -> tuple[str, str]:
    """Encrypt ``data`` the way WeChat does for the mini-program: ``(encryptedData, iv)``."""
    iv = secrets.token_bytes(16) if iv is None else iv
    padder = padding.PKCS7(128).padder()
    plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    padded = padder.update(plain) + padder.finalize()
    encryptor = _cipher(base64.b64decode(session_key), iv).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    return base64.b64encode(encrypted).decode(), base64.b64encode(iv).decode()


def decrypt_open_data(session_key: str, encrypted_data: str, iv: str) -> dict[str, Any]:
    """The JSON object in ``encryptedData``; ``EncryptedDataError`` when it does not decrypt."""
    try:
        decryptor = _cipher(_b64(session_key), _b64(iv)).decryptor()
        padded = decryptor.update(_b64(encrypted_data)) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        data = json.loads(unpadder.update(padded) + unpadder.finalize())
    except ValueError:
        # No detail: a wrong session key (the user logged in again) is the usual cause, and
        # the exception text could quote the plaintext.
        raise EncryptedDataError("encrypted data does not decrypt under this session key") from None
    if not isinstance(data, dict):
        raise EncryptedDataError("encrypted data is not a JSON object")
    return data


def decrypt_phone_number(session_key: str, encrypted_data: str, iv: str, app_id: str) -> PhoneInfo:
    """The number from a legacy ``getPhoneNumber`` button; its watermark must name ``app_id``."""
    try:
        info = PhoneInfo.model_validate(decrypt_open_data(session_key, encrypted_data, iv))
    except ValidationError:
        raise EncryptedDataError("encrypted data is not a phone number") from None
    # Without this check, data encrypted for another mini-program could be replayed to us.
    if info.watermark is None or info.watermark.appid != app_id:
        raise EncryptedDataError("encrypted data was given to another app")
    return info


def _cipher(key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    if len(key) != 16 or len(iv) != 16:
        raise ValueError("the session key and the iv are 16 bytes each")
    return Cipher(algorithms.AES128(key), modes.CBC(iv))


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)  # binascii.Error is a ValueError
