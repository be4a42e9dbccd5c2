"""Key types behind one Signer/Verifier interface; every signature is 64 raw bytes.

P-256 ECDSA signatures are carried as raw r‖s (the shape of SM2 signatures on Chinese transit
readers) rather than DER, so the byte layout of a code never depends on the algorithm. SM2
(GM/T 0003, algorithm 3) comes from tongsuopy, a cryptography-shaped binding of Tongsuo:
cryptography itself has SM3 and SM4 but no SM2.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from tongsuopy.crypto import hashes as gm_hashes
from tongsuopy.crypto import serialization as gm_serialization
from tongsuopy.crypto.asymciphers import ec as gm_ec
from tongsuopy.crypto.exceptions import InternalError as GmInternalError
from tongsuopy.crypto.exceptions import InvalidSignature as GmInvalidSignature

SIGNATURE_SIZE: Final = 64


class Algorithm(IntEnum):
    """Key types, by the number stored in codes and keyrings."""

    P256 = 1
    ED25519 = 2
    SM2 = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Algorithm:
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"unknown key algorithm {label!r}") from None


PUBLIC_KEY_SIZE: Final[dict[int, int]] = {
    Algorithm.P256: 33,
    Algorithm.ED25519: 32,
    Algorithm.SM2: 33,
}
"""Encoded public key length by algorithm: SEC1 compressed point (P-256, SM2), raw Ed25519."""


class Verifier(Protocol):
    algorithm: Algorithm

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` (64 raw bytes) is valid for ``message``."""
        ...

    def public_bytes(self) -> bytes: ...


class Signer(Protocol):
    algorithm: Algorithm

    def sign(self, message: bytes) -> bytes:
        """A 64-byte raw signature of ``message``."""
        ...

    def public_bytes(self) -> bytes: ...

    def private_bytes(self) -> bytes: ...

    def verifier(self) -> Verifier: ...


_ECDSA = ec.ECDSA(hashes.SHA256())
_CURVE = ec.SECP256R1()


def _der_to_raw(der: bytes) -> bytes:
    # OpenSSL emits 30 L 02 lr r 02 ls s with short lengths for P-256; slicing beats a DER parse.
    lr = der[3]
    r, s = der[4 : 4 + lr], der[6 + lr :]
    return r[-32:].rjust(32, b"\0") + s[-32:].rjust(32, b"\0")


def _raw_to_der(raw: bytes) -> bytes:
    r, s = raw[:32].lstrip(b"\0"), raw[32:].lstrip(b"\0")
    if not r or r[0] & 0x80:
        r = b"\0" + r
    if not s or s[0] & 0x80:
        s = b"\0" + s
    return bytes((0x30, len(r) + len(s) + 4, 2, len(r))) + r + bytes((2, len(s))) + s


class P256Verifier:
    algorithm = Algorithm.P256
    __slots__ = ("_key",)

    def __init__(self, key: ec.EllipticCurvePublicKey) -> None:
        self._key = key

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(_raw_to_der(signature), message, _ECDSA)
        except InvalidSignature:
            return False
        return True

    def public_bytes(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )


class P256Signer:
    algorithm = Algorithm.P256
    __slots__ = ("_key",)

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    def sign(self, message: bytes) -> bytes:
        return _der_to_raw(self._key.sign(message, _ECDSA))

    def public_bytes(self) -> bytes:
        return self.verifier().public_bytes()

    def private_bytes(self) -> bytes:
        return self._key.private_numbers().private_value.to_bytes(32, "big")

    def verifier(self) -> Verifier:
        return P256Verifier(self._key.public_key())


class Ed25519Verifier:
    algorithm = Algorithm.ED25519
    __slots__ = ("_key",)

    def __init__(self, key: ed25519.Ed25519PublicKey) -> None:
        self._key = key

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def public_bytes(self) -> bytes:
        return self._key.public_bytes_raw()


class Ed25519Signer:
    algorithm = Algorithm.ED25519
    __slots__ = ("_key",)

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_bytes(self) -> bytes:
        return self._key.public_key().public_bytes_raw()

    def private_bytes(self) -> bytes:
        return self._key.private_bytes_raw()

    def verifier(self) -> Verifier:
        return Ed25519Verifier(self._key.public_key())


_SM2_SIGNATURE = gm_ec.ECDSA(gm_hashes.SM3())
"""SM2 with SM3 over Z ‖ message, Z computed with the GM/T 0003 default user id
"1234567812345678" (Tongsuo's default: tongsuopy 1.0.1 offers no way to set another)."""
_SM2_CURVE = gm_ec.SM2()


class SM2Verifier:
    algorithm = Algorithm.SM2
    __slots__ = ("_key",)

    def __init__(self, key: gm_ec.EllipticCurvePublicKey) -> None:
        self._key = key

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(_raw_to_der(signature), message, _SM2_SIGNATURE)
        except (GmInvalidSignature, GmInternalError):
            # r or s of 0 or ≥ n makes Tongsuo report an error rather than a mismatch.
            return False
        return True

    def public_bytes(self) -> bytes:
        encoded: bytes = self._key.public_bytes(
            gm_serialization.Encoding.X962, gm_serialization.PublicFormat.CompressedPoint
        )
        return encoded


class SM2Signer:
    algorithm = Algorithm.SM2
    __slots__ = ("_key",)

    def __init__(self, key: gm_ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    def sign(self, message: bytes) -> bytes:
        return _der_to_raw(self._key.sign(message, _SM2_SIGNATURE))

    def public_bytes(self) -> bytes:
        return self.verifier().public_bytes()

    def private_bytes(self) -> bytes:
        value: int = self._key.private_numbers().private_value
        return value.to_bytes(32, "big")

    def verifier(self) -> Verifier:
        return SM2Verifier(self._key.public_key())


def generate(algorithm: Algorithm = Algorithm.P256) -> Signer:
    """A new private key of ``algorithm``."""
    if algorithm is Algorithm.P256:
        return P256Signer(ec.generate_private_key(_CURVE))
    if algorithm is Algorithm.SM2:
        return SM2Signer(gm_ec.generate_private_key(_SM2_CURVE))
    return Ed25519Signer(ed25519.Ed25519PrivateKey.generate())


def load_signer(algorithm: Algorithm, private: bytes) -> Signer:
    """A signer from 32 private bytes (the P-256 or SM2 scalar, or the Ed25519 seed)."""
    if len(private) != 32:
        raise ValueError("private keys are 32 bytes")
    if algorithm is Algorithm.P256:
        return P256Signer(ec.derive_private_key(int.from_bytes(private, "big"), _CURVE))
    if algorithm is Algorithm.SM2:
        return SM2Signer(gm_ec.derive_private_key(int.from_bytes(private, "big"), _SM2_CURVE))
    return Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(private))


def load_verifier(algorithm: int, public: bytes) -> Verifier:
    """A verifier from an encoded public key; ValueError if it is not a valid key."""
    if algorithm == Algorithm.P256:
        return P256Verifier(ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, public))
    if algorithm == Algorithm.ED25519:
        return Ed25519Verifier(ed25519.Ed25519PublicKey.from_public_bytes(public))
    if algorithm == Algorithm.SM2:
        return SM2Verifier(gm_ec.EllipticCurvePublicKey.from_encoded_point(_SM2_CURVE, public))
    raise ValueError(f"unknown key algorithm {algorithm}")
