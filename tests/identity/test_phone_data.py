"""The legacy button's encryptedData goes through the checked decryption, not wechatpy's.

Each payload below is encrypted under the resident's real session key and names our app in
its watermark, and wechatpy's ``WeChatWxaCrypto`` reads a phone number out of every one; the
service refuses them all as encrypted_data_invalid and binds nothing.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatWxaCrypto

from models.identity.residents import Resident
from palm import keys
from tests.helpers import bearer, new_wechat_user, problem

IV = bytes(range(16))


def _encrypt(session_key: str, plain: bytes, pad: int) -> str:
    """AES-128-CBC of ``plain`` followed by ``pad`` bytes of value ``pad`` (PKCS#7 if ≤ 16)."""
    encryptor = Cipher(algorithms.AES128(base64.b64decode(session_key)), modes.CBC(IV)).encryptor()
    padded = plain + bytes([pad]) * pad
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def _phone(app_id: str, phone: str = "13905310066") -> dict[str, Any]:
    return {
        "phoneNumber": phone,
        "purePhoneNumber": phone,
        "countryCode": "86",
        "watermark": {"timestamp": 1767225600, "appid": app_id},
    }


def _fitting(plain: bytes, low: int, high: int) -> int:
    """A padding length in [low, high] that fills the last block."""
    return next(n for n in range(low, high + 1) if (len(plain) + n) % 16 == 0)


def _over_long_padding(key: str, app_id: str) -> str:
    plain = json.dumps(_phone(app_id)).encode()
    return _encrypt(key, plain, _fitting(plain, 17, 32))  # wechatpy's own 32-byte padding


def _empty_number(key: str, app_id: str) -> str:
    plain = json.dumps(_phone(app_id, phone="")).encode()
    return _encrypt(key, plain, _fitting(plain, 1, 16))


def _loose_base64(key: str, app_id: str) -> str:
    plain = json.dumps(_phone(app_id)).encode()
    text = _encrypt(key, plain, _fitting(plain, 1, 16))
    return f"{text[:8]}!\n{text[8:]}"  # not base64: a lenient decoder skips what it dislikes


@pytest.mark.parametrize("make", [_over_long_padding, _empty_number, _loose_base64])
async def test_data_wechatpy_accepts_is_refused(client: TestClient, make: Any) -> None:
    token = await new_wechat_user(client, "o-phone-checked")
    resident = await Resident.get(openid="o-phone-checked")
    assert resident.session_key_enc
    key = client.app[keys.DEPS].cipher.decrypt(resident.session_key_enc, field="session_key")
    app_id = client.app[keys.PLATFORMS]["wechat"].app_id
    encrypted, iv = make(key, app_id), base64.b64encode(IV).decode()
    # What the service used before: it reads a number out of this payload.
    assert "purePhoneNumber" in WeChatWxaCrypto(key, iv, app_id).decrypt_message(encrypted)
    body = {"encrypted_data": encrypted, "iv": iv}
    resp = await client.post("/api/v1/me/phone", json=body, headers=bearer(token))
    await problem(resp, 400, "encrypted_data_invalid")
    assert (await Resident.get(id=resident.id)).phone_enc is None
