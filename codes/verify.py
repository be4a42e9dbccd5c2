"""The one verification function, used by the server, the CLI and validators alike.

It is pure: the answer depends only on the code, the keyring snapshot, the clock reading and
the expected purpose. Signatures are checked before anything else, so any reason other than
``malformed``, ``unknown_key``, ``retired_key`` and the signature reasons describes a genuine
code.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final, NamedTuple

from codes.errors import CodeRejected
from codes.fields import Attributes, Purpose, Subject, decode_attributes
from codes.format import DeviceCertificate, Layout, parse
from codes.keyring import Keyring
from codes.signing import SIGNATURE_SIZE, Algorithm, Verifier, load_verifier

DEFAULT_SKEW: Final = 15
"""Seconds of clock difference tolerated each way (bus validators drift between syncs)."""
MAX_VALIDITY: Final = 300
"""The longest validity a verifier accepts; offline devices choose their own."""


class VerifiedCode(NamedTuple):
    """A code that passed every check, with what a scanner may act on."""

    signed: bytes
    """The bytes the code's signature covers."""
    purpose: Purpose
    subject: Subject
    kid: int
    issued_at: int
    validity: int
    nonce: int
    attributes: Attributes
    certificate: DeviceCertificate | None

    @property
    def code_id(self) -> bytes:
        """16 bytes naming this code, the replay key; the signature is left out (malleable)."""
        return hashlib.sha256(self.signed).digest()[:16]

    @property
    def expires_at(self) -> int:
        return self.issued_at + self.validity

    @property
    def offline(self) -> bool:
        return self.certificate is not None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the CLI prints it)."""
        cert = self.certificate
        return {
            "code_id": self.code_id.hex(),
            "mode": "offline" if cert else "online",
            "purpose": self.purpose.label,
            "subject": self.subject.text,
            "kid": self.kid,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "nonce": self.nonce,
            "attributes": {k: v for k, v in _attributes(self.attributes) if v is not None},
            "certificate": None
            if cert is None
            else {
                "algorithm": cert.algorithm.label,
                "public_key": cert.public_key.hex(),
                "expires_at": cert.expires_at,
                "spend_limit_fen": cert.spend_limit_fen,
            },
        }


def _attributes(attributes: Attributes) -> list[tuple[str, int | None]]:
    return [("tier", attributes.tier), ("group", attributes.group), ("scene", attributes.scene)]


def verify_code(
    code: bytes,
    keyring: Keyring,
    *,
    purpose: Purpose,
    now: int,
    skew: int = DEFAULT_SKEW,
    max_validity: int = MAX_VALIDITY,
) -> VerifiedCode:
    """Check one code against a keyring at time ``now``; raises CodeRejected with the reason."""
    layout = parse(code)
    verifier = keyring.issuer(layout.kid)
    certificate = None
    if layout.cert_end:
        verifier, certificate = _device(code, layout, verifier, keyring)
        if now >= certificate.expires_at + skew:
            raise CodeRejected("certificate_expired")
    end = layout.body_end
    if not verifier.verify(code[end:], code[:end]):
        raise CodeRejected("bad_signature")
    if layout.purpose != purpose:
        raise CodeRejected("wrong_purpose")
    if layout.validity > max_validity:
        raise CodeRejected("validity_too_long")
    if now < layout.issued_at - skew:
        raise CodeRejected("not_yet_valid")
    if now >= layout.issued_at + layout.validity + skew:
        raise CodeRejected("expired")
    if keyring.is_revoked(layout.subject, purpose):
        raise CodeRejected("revoked")
    try:
        attributes = decode_attributes(layout.attributes)
    except ValueError:
        raise CodeRejected("malformed", "bad attribute block") from None
    return VerifiedCode(
        code[:end],
        purpose,
        Subject(layout.subject),
        layout.kid,
        layout.issued_at,
        layout.validity,
        layout.nonce,
        attributes,
        certificate,
    )


def _device(
    code: bytes, layout: Layout, issuer: Verifier, keyring: Keyring
) -> tuple[Verifier, DeviceCertificate]:
    """The device key a valid certificate vouches for; raises bad_certificate."""
    cert_end = layout.cert_end
    certificate = code[: cert_end + SIGNATURE_SIZE]
    known = keyring.certified(certificate)
    if known is not None:
        return known
    if not issuer.verify(certificate[cert_end:], code[:cert_end]):
        raise CodeRejected("bad_certificate")
    try:
        device = load_verifier(layout.device_algorithm, layout.device_key)
    except ValueError:
        raise CodeRejected("bad_certificate", "not a valid device public key") from None
    fields = DeviceCertificate(
        Algorithm(layout.device_algorithm),
        layout.device_key,
        layout.cert_expires_at,
        layout.spend_limit_fen,
    )
    keyring.remember_certificate(certificate, device, fields)
    return device, fields
