"""Device authentication: each validator signs its requests with its own P-256 key.

Canonical string (as the platforms' scheme): device code, timestamp, nonce, method, path with
query, SHA-256 of the body, joined by newlines; signature = base64 of DER ECDSA-SHA256.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from multidict import CIMultiDict, CIMultiDictProxy
from redis.asyncio import Redis

from models.identity.devices import Device, DeviceStatus
from services.identity import errors

WINDOW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class DevicePrincipal:
    device_id: int
    code: str
    kind: str


def canonical(
    code: str, timestamp: str, nonce: str, method: str, path_qs: str, body: bytes
) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([code, timestamp, nonce, method.upper(), path_qs, digest]).encode()


def sign_request(
    key: ec.EllipticCurvePrivateKey, code: str, method: str, path_qs: str, body: bytes,
    *, timestamp: int | None = None, nonce: str,
) -> dict[str, str]:  # fmt: skip
    """The device side: headers for one signed request (used by validators and tests)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(
        canonical(code, ts, nonce, method, path_qs, body), ec.ECDSA(hashes.SHA256())
    )
    return {
        "X-Device-Id": code,
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Device-Signature": base64.b64encode(signature).decode(),
    }


async def authenticate(
    redis: Redis, headers: Mapping[str, str], method: str, path_qs: str, body: bytes
) -> DevicePrincipal:
    """Check a device's signed request: known active device, fresh timestamp, unused nonce.

    Header names are case-insensitive (HTTP/2 and many proxies send them in lower case): pass
    the request's own headers; any other mapping is read through a case-insensitive copy.
    """
    if not isinstance(headers, CIMultiDictProxy | CIMultiDict):
        headers = CIMultiDict(headers)
    code, ts = headers.get("X-Device-Id", ""), headers.get("X-Timestamp", "")
    nonce, sig = headers.get("X-Nonce", ""), headers.get("X-Device-Signature", "")
    if not (code and ts.isdigit() and 16 <= len(nonce) <= 64 and sig):
        raise errors.device_refused("device_auth_required")
    if abs(time.time() - int(ts)) > WINDOW_SECONDS:
        raise errors.device_refused("device_clock_skew")
    device = await Device.get_or_none(code=code, status=DeviceStatus.ACTIVE)
    if device is None or not device.public_key:
        raise errors.device_refused("device_unknown")
    key = serialization.load_pem_public_key(device.public_key.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise errors.device_refused(
            "device_unknown", "The device's registered key is not a P-256 key."
        )
    try:
        key.verify(
            base64.b64decode(sig, validate=True),
            canonical(code, ts, nonce, method, path_qs, body),
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError):
        raise errors.device_refused("device_signature_invalid") from None
    if not await redis.set(
        f"palm:device-nonce:{code}:{nonce}", b"1", nx=True, ex=2 * WINDOW_SECONDS
    ):
        raise errors.device_refused("device_nonce_reused")
    return DevicePrincipal(device.id, device.code, str(device.kind))


def generate_key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A new device key pair: the private key and the public key as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public.decode()
