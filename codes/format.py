"""The binary layout of a code, format version 1; ``docs/codes.md`` is its specification.

A code is an identity block (who and what, chosen by the issuer), in offline mode a device
certificate, then issued-at, validity and nonce, then a 64-byte signature over every byte
before it. All integers are big-endian.
"""

from __future__ import annotations

import struct
from typing import Final, NamedTuple

from codes.errors import CodeRejected
from codes.fields import PURPOSES, SUBJECT_SIZE, Attributes, Purpose, Subject
from codes.signing import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, Algorithm

VERSION: Final = 1
FLAG_OFFLINE: Final = 0x01

_HEAD = struct.Struct(">BBBHB")  # version, purpose, flags, kid, subject type
_CERT = struct.Struct(">II")  # certificate expires-at, spending limit in fen
_TAIL = struct.Struct(">IHI")  # issued-at, validity, nonce


def identity(
    purpose: Purpose, kid: int, subject: Subject, attributes: Attributes, *, offline: bool
) -> bytes:
    """The identity block: version, purpose, flags, issuer key id, subject, attributes."""
    head = _HEAD.pack(VERSION, purpose, FLAG_OFFLINE if offline else 0, kid, subject.encoded[0])
    return head + subject.encoded[1:] + attributes.block


def certificate_body(
    identity_block: bytes, algorithm: int, public_key: bytes, expires_at: int, spend_limit_fen: int
) -> bytes:
    """What the issuer signs to certify a device key: the identity, then the key and limits."""
    if len(public_key) != PUBLIC_KEY_SIZE.get(algorithm):
        raise ValueError("device public key has the wrong size for its algorithm")
    return (
        identity_block + bytes((algorithm,)) + public_key + _CERT.pack(expires_at, spend_limit_fen)
    )


def tail(issued_at: int, validity: int, nonce: int) -> bytes:
    """Issued-at (epoch s), validity (s) and nonce or counter, all unsigned."""
    return _TAIL.pack(issued_at, validity, nonce)


class DeviceCertificate(NamedTuple):
    """What an offline code's certificate says about the phone that signed it."""

    algorithm: Algorithm
    public_key: bytes
    expires_at: int
    spend_limit_fen: int


class Layout(NamedTuple):
    """Where everything is in one code; offsets index the code's bytes."""

    purpose: int
    kid: int
    subject: bytes
    attributes: bytes
    device_algorithm: int
    device_key: bytes
    cert_expires_at: int
    spend_limit_fen: int
    cert_end: int
    """Offline: the certificate's signature starts here and covers ``code[:cert_end]``."""
    issued_at: int
    validity: int
    nonce: int
    body_end: int
    """The code's signature starts here and covers ``code[:body_end]``."""


def parse(code: bytes) -> Layout:
    """Split a code into its fields, checking only structure; raises CodeRejected(malformed)."""
    try:
        version, purpose, flags, kid, kind = _HEAD.unpack_from(code)
        size = SUBJECT_SIZE[kind]
        if version != VERSION or purpose not in PURPOSES:
            raise CodeRejected("malformed", "unsupported version or purpose")
        pos = 6 + size
        subject, attr_end = code[5:pos], pos + 1 + code[pos]
        attributes, pos = code[pos + 1 : attr_end], attr_end
        algorithm, device_key, expires_at, limit, cert_end = 0, b"", 0, 0, 0
        if flags == FLAG_OFFLINE:
            algorithm = code[pos]
            key_end = pos + 1 + PUBLIC_KEY_SIZE[algorithm]
            device_key = code[pos + 1 : key_end]
            expires_at, limit = _CERT.unpack_from(code, key_end)
            cert_end = key_end + _CERT.size
            pos = cert_end + SIGNATURE_SIZE
        elif flags:
            raise CodeRejected("malformed", "unknown flags")
        issued_at, validity, nonce = _TAIL.unpack_from(code, pos)
    except (struct.error, IndexError, KeyError):
        raise CodeRejected("malformed", "truncated or unknown field") from None
    body_end = pos + _TAIL.size
    if len(code) != body_end + SIGNATURE_SIZE:
        raise CodeRejected("malformed", "wrong length")
    return Layout(
        purpose,
        kid,
        subject,
        attributes,
        algorithm,
        device_key,
        expires_at,
        limit,
        cert_end,
        issued_at,
        validity,
        nonce,
        body_end,
    )


def parse_certificate(certificate: bytes) -> tuple[int, bytes]:
    """The device key algorithm and public key a certificate names; CodeRejected if malformed."""
    # A certificate is exactly an offline code's prefix: give it an empty tail and parse that.
    layout = parse(certificate + bytes(_TAIL.size + SIGNATURE_SIZE))
    if not layout.cert_end:
        raise CodeRejected("malformed", "not a device certificate")
    return layout.device_algorithm, layout.device_key
