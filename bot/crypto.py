"""WeChat message-push security: SHA-1 signatures and the AES envelope of safe mode.

wechatpy compares signatures with ``!=`` and checks no timestamp, so the checks are done here
(constant time, bounded age) and only its AES envelope (``PrpCrypto``) is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from wechatpy.crypto import PrpCrypto

MAX_AGE_SECONDS = 300


class BadSignature(Exception):
    """The request was not signed with our token, or was signed too long ago."""


class BadEnvelope(Exception):
    """The encrypted part does not decrypt under our key, or was meant for another app."""


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, *extra))).encode()).hexdigest()  # noqa: S324


def check_signature(
    token: str, timestamp: str, nonce: str, given: str, *extra: str, now: float, max_age: int
) -> None:
    """Raise ``BadSignature`` unless ``given`` signs these parts and the timestamp is recent."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise BadSignature("timestamp is not a number")
    if abs(now - int(timestamp)) > max_age:
        raise BadSignature("timestamp outside the allowed age")
    expected = signature(token, timestamp, nonce, *extra)
    # Bytes: compare_digest refuses non-ASCII str, and query values are untrusted.
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise BadSignature("signature mismatch")


@dataclass(frozen=True, slots=True)
class Envelope:
    """Encrypts and decrypts message bodies for one account (EncodingAESKey and app id)."""

    token: str
    aes_key: str
    app_id: str

    @property
    def _key(self) -> bytes:
        return base64.b64decode(self.aes_key + "=")

    def open(self, encrypted: str) -> str:
        """The XML inside ``Encrypt``; ``BadEnvelope`` for anything that is not ours."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
            if not raw or len(raw) % 16:
                raise BadEnvelope("ciphertext is not whole AES blocks")
            # wechatpy unpads without checking the padding: check it here first.
            plain = PrpCrypto(self._key).cipher.decrypt(raw)
            pad = plain[-1]
            if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad or len(plain) < 20 + pad:
                raise BadEnvelope("bad padding")
            return str(PrpCrypto(self._key).decrypt(encrypted, self.app_id))
        except BadEnvelope:
            raise
        except Exception as exc:
            # Base64, struct and UTF-8 errors, and wechatpy's InvalidAppIdException (a bare
            # Exception subclass) for a message meant for another app: all mean "not ours".
            raise BadEnvelope(type(exc).__name__) from None

    def seal(self, xml: str, nonce: str, timestamp: str) -> str:
        """The reply as WeChat expects it in safe mode: encrypted, signed, in its own XML."""
        encrypted = PrpCrypto(self._key).encrypt(xml, self.app_id).decode()
        sig = signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{sig}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )


def new_nonce() -> str:
    return secrets.token_hex(8)
