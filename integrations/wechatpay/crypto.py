"""WeChat Pay v3 signatures and callback encryption, shared by the client and the simulator.

Requests: ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,timestamp=..,
serial_no=..,signature=..`` over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``.
Answers and callbacks: ``Wechatpay-Timestamp/-Nonce/-Serial/-Signature`` over
``TIMESTAMP\\nNONCE\\nBODY\\n``. Callback resources: AEAD_AES_256_GCM with the API v3 key.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEME = "WECHATPAY2-SHA256-RSA2048"
MAX_AGE_SECONDS = 300
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def request_message(method: str, path_qs: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{path_qs}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def answer_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """Base64 of RSASSA-PKCS1-v1_5 with SHA-256."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(),
                   hashes.SHA256())  # fmt: skip
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def new_nonce() -> str:
    return secrets.token_hex(16).upper()


def authorization(mchid: str, serial: str, timestamp: str, nonce: str, signature: str) -> str:
    return (
        f'{SCHEME} mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",'
        f'serial_no="{serial}",signature="{signature}"'
    )


def parse_authorization(header: str) -> dict[str, str] | None:
    """The parameters of an Authorization header in our scheme; None if it is not one."""
    scheme, _, params = header.partition(" ")
    if scheme != SCHEME:
        return None
    found = dict(_PARAM.findall(params))
    needed = {"mchid", "nonce_str", "timestamp", "serial_no", "signature"}
    return found if needed <= found.keys() else None


def encrypt_resource(api_v3_key: str, plaintext: bytes, associated_data: str) -> dict[str, Any]:
    """A callback ``resource`` object (what the platform sends)."""
    nonce = base64.b64encode(os.urandom(9)).decode()  # 12 ASCII characters, as WeChat's
    ciphertext = AESGCM(api_v3_key.encode()).encrypt(
        nonce.encode(), plaintext, associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "original_type": "transaction",
        "nonce": nonce,
    }


def decrypt_resource(api_v3_key: str, resource: dict[str, Any]) -> bytes:
    """The plaintext of a callback ``resource``; ValueError when it does not decrypt."""
    try:
        if resource["algorithm"] != "AEAD_AES_256_GCM":
            raise ValueError("unknown resource algorithm")
        return AESGCM(api_v3_key.encode()).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(resource["ciphertext"], validate=True),
            str(resource.get("associated_data") or "").encode(),
        )
    except (KeyError, TypeError, InvalidTag, binascii.Error) as exc:
        raise ValueError(f"callback resource does not decrypt: {type(exc).__name__}") from None
