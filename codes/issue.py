"""Making codes and device certificates with an issuer key (the server's side of both modes)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from codes.fields import Attributes, Purpose, Subject
from codes.format import certificate_body, identity, tail
from codes.signing import Algorithm, Signer, load_verifier

ONLINE_VALIDITY: Final = 60
"""Seconds an online code is valid; the mini-program refreshes it every REFRESH_SECONDS."""
REFRESH_SECONDS: Final = 30
CERTIFICATE_LIFETIME: Final = 3 * 86400
"""Default life of a device certificate: how long a phone can make codes without signal."""
_NO_ATTRIBUTES: Final = Attributes()


@dataclass(frozen=True, slots=True)
class Issuer:
    """An issuer key able to sign: its key id (as carried in codes) and its signer."""

    kid: int
    signer: Signer


def issue_code(
    issuer: Issuer,
    purpose: Purpose,
    subject: Subject,
    *,
    now: int,
    validity: int = ONLINE_VALIDITY,
    attributes: Attributes = _NO_ATTRIBUTES,
    nonce: int | None = None,
) -> bytes:
    """An online code signed by ``issuer``, valid ``validity`` seconds from ``now``."""
    if nonce is None:
        # Unique, not secret (the signature covers it): the fast generator will do, and unlike
        # a counter it does not tell a resident how many codes were issued between two of
        # theirs. A repeat would need the same subject, second and 32-bit draw.
        nonce = random.getrandbits(32)
    message = identity(purpose, issuer.kid, subject, attributes, offline=False)
    message += tail(now, validity, nonce)
    return message + issuer.signer.sign(message)


def certify_device(
    issuer: Issuer,
    purpose: Purpose,
    subject: Subject,
    *,
    algorithm: Algorithm,
    public_key: bytes,
    expires_at: int,
    spend_limit_fen: int,
    attributes: Attributes = _NO_ATTRIBUTES,
) -> bytes:
    """A certificate for a device key: the phone prepends it to every code it signs.

    Attributes are fixed here, by the issuer, so a phone cannot grant itself a free fare.
    Raises ValueError when ``public_key`` is not a valid key of ``algorithm``.
    """
    load_verifier(algorithm, public_key)  # never vouch for bytes no verifier could load
    body = certificate_body(
        identity(purpose, issuer.kid, subject, attributes, offline=True),
        algorithm,
        public_key,
        expires_at,
        spend_limit_fen,
    )
    return body + issuer.signer.sign(body)
