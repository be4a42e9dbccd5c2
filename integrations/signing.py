"""Request signing shared by the government-style platforms (爱山东, credit, talent, 12345…).

Every request carries ``X-App-Id``, ``X-Timestamp`` (epoch seconds), ``X-Nonce`` and
``X-Signature``: lowercase hex HMAC-SHA256 of the canonical string below, keyed by the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from integrations.base import Platform

APP_ID = "X-App-Id"
TIMESTAMP = "X-Timestamp"
NONCE = "X-Nonce"
SIGNATURE = "X-Signature"
HEADERS = (APP_ID, TIMESTAMP, NONCE, SIGNATURE)


def canonical(
    app_id: str, timestamp: str | int, nonce: str, method: str, path_qs: str, body: bytes
) -> str:
    """The string that is signed: one field per line, the body reduced to its SHA-256."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([app_id, str(timestamp), nonce, method.upper(), path_qs, digest])


def sign(
    secret: str,
    app_id: str,
    timestamp: str | int,
    nonce: str,
    method: str,
    path_qs: str,
    body: bytes,
) -> str:
    """Signature of one request, as sent in ``X-Signature``."""
    message = canonical(app_id, timestamp, nonce, method, path_qs, body)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify(
    secret: str,
    app_id: str,
    timestamp: str | int,
    nonce: str,
    method: str,
    path_qs: str,
    body: bytes,
    signature: str,
) -> bool:
    """True when ``signature`` is the one ``sign`` gives for these fields."""
    expected = sign(secret, app_id, timestamp, nonce, method, path_qs, body)
    # Bytes, because compare_digest refuses non-ASCII str and header values are untrusted.
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def new_nonce() -> str:
    """22 random URL-safe characters (16 bytes of entropy)."""
    return secrets.token_urlsafe(16)


def signed_headers(
    platform: Platform,
    method: str,
    path_qs: str,
    body: bytes,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four authentication headers for one request to ``platform``."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = new_nonce() if nonce is None else nonce
    signature = sign(platform.secret, platform.app_id, timestamp, nonce, method, path_qs, body)
    return {APP_ID: platform.app_id, TIMESTAMP: timestamp, NONCE: nonce, SIGNATURE: signature}
