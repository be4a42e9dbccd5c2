"""WeChat Pay v3 credentials, and development ones derived from the platform secret.

Real credentials are a merchant API key (RSA 2048) with its certificate serial, the API v3 key
(32 characters, decrypts callbacks) and the platform public key with its id. In development the
client and the simulator each derive the same set from the platform secret, so they agree with
nothing written to disk; production refuses derived keys (``palm.settings``).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.base import Platform

_E = 65537
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


@dataclass(frozen=True, slots=True)
class WeChatPayKeys:
    """What our merchant holds: its private key and serial, the API v3 key, the platform key."""

    merchant_private_key: str  # PEM
    merchant_serial: str
    api_v3_key: str  # 32 ASCII characters
    platform_public_key: str  # PEM
    platform_serial: str
    derived: bool = False

    def __post_init__(self) -> None:
        if len(self.api_v3_key.encode()) != 32:
            raise ValueError("the WeChat Pay API v3 key must be 32 bytes")

    def __repr__(self) -> str:  # never print key material
        return f"WeChatPayKeys(serial={self.merchant_serial!r}, derived={self.derived})"


@dataclass(frozen=True, slots=True)
class SimulatorKeys:
    """The platform's side of the same credentials: what the simulator signs and checks with."""

    merchant_public_key: rsa.RSAPublicKey
    merchant_serial: str
    api_v3_key: str
    platform_private_key: rsa.RSAPrivateKey
    platform_serial: str


class _Stream:
    """Deterministic bytes from a seed (SHA-256 in counter mode)."""

    def __init__(self, seed: bytes, label: str) -> None:
        self._prefix, self._counter = seed + label.encode(), 0

    def read(self, size: int = 128) -> bytes:
        out = b""
        while len(out) < size:
            self._counter += 1
            out += hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
        return out[:size]


def _probable_prime(n: int, witnesses: _Stream) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(24):
        a = 2 + int.from_bytes(witnesses.read(120), "big") % (n - 4)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(seed: bytes, label: str) -> int:
    draw, witnesses = _Stream(seed, label), _Stream(seed, label + "/witness")
    while True:
        candidate = int.from_bytes(draw.read(), "big") | (3 << 1022) | 1  # 1024 bits, odd
        if (candidate - 1) % _E and _probable_prime(candidate, witnesses):
            return candidate


@functools.lru_cache(maxsize=8)
def derive_rsa(seed: bytes, label: str) -> rsa.RSAPrivateKey:
    """A deterministic RSA-2048 key from ``seed`` (development only: about 0.3 s, cached)."""
    p, q = _prime(seed, label + "/p"), _prime(seed, label + "/q")
    d = pow(_E, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(_E, p * q),
    )  # fmt: skip
    return numbers.private_key()


def _seed(platform: Platform) -> bytes:
    return hashlib.sha256(f"wechatpay\0{platform.app_id}\0{platform.secret}".encode()).digest()


def _serial(seed: bytes, label: str) -> str:
    return hashlib.sha256(seed + label.encode()).hexdigest()[:40].upper()


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _pem_public(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def development_keys(platform: Platform) -> WeChatPayKeys:
    """The merchant's credentials derived from the platform secret (development only)."""
    seed = _seed(platform)
    return WeChatPayKeys(
        merchant_private_key=_pem_private(derive_rsa(seed, "merchant")),
        merchant_serial=_serial(seed, "merchant"),
        api_v3_key=hashlib.sha256(seed + b"apiv3").hexdigest()[:32],
        platform_public_key=_pem_public(derive_rsa(seed, "platform").public_key()),
        platform_serial="PUB_KEY_ID_" + _serial(seed, "platform")[:24],
        derived=True,
    )


def simulator_keys(platform: Platform) -> SimulatorKeys:
    """The platform's half of ``development_keys(platform)``."""
    seed = _seed(platform)
    return SimulatorKeys(
        merchant_public_key=derive_rsa(seed, "merchant").public_key(),
        merchant_serial=_serial(seed, "merchant"),
        api_v3_key=hashlib.sha256(seed + b"apiv3").hexdigest()[:32],
        platform_private_key=derive_rsa(seed, "platform"),
        platform_serial="PUB_KEY_ID_" + _serial(seed, "platform")[:24],
    )
