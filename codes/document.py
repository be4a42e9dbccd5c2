"""The signed keyring document validators download: public keys and the revocation list.

The payload travels as base64 of its exact JSON bytes, so a verifier in any language checks
the signature over what it received instead of re-serialising JSON. Every key that is not
retired signs, so a validator that missed a rotation still finds a key it already trusts.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from codes.fields import Purpose, Subject
from codes.issue import Issuer
from codes.keyring import Keyring, KeyStatus, PublicKey, Revocation
from codes.signing import Algorithm

FORMAT: Final = "palm-keyring/1"
CONTEXT: Final = b"palm-keyring/1\n"
"""Prefixed to the payload before signing, so no code signature can pass as a keyring's."""


_ALGORITHMS: Final = frozenset(a.label for a in Algorithm)
# Keys of algorithms this build does not know (an SM2 key, say) are left out rather than
# refusing the document: their codes fail as unknown_key and everything else keeps working.


class BadKeyring(ValueError):
    """A keyring document that is malformed, unsigned by a trusted key, or older than ours."""


@dataclass(frozen=True, slots=True)
class KeyringDocument:
    """A signed keyring as served: its version (for conditional requests) and JSON body."""

    version: int
    body: bytes

    @property
    def etag(self) -> str:
        return f'"keyring-{self.version}"'


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_document(
    keyring: Keyring, signers: Sequence[Issuer], *, issued_at: int
) -> KeyringDocument:
    """Serialise ``keyring`` and sign it with each of ``signers`` (every non-retired key)."""
    payload = json.dumps(
        {
            "format": FORMAT,
            "version": keyring.version,
            "issued_at": issued_at,
            "keys": [
                {
                    "kid": k.kid,
                    "alg": k.algorithm.label,
                    "public_key": _b64(k.public_key),
                    "status": k.status.value,
                }
                for k in sorted(keyring.keys.values(), key=lambda k: k.kid)
            ],
            "revoked": [
                {"subject": r.subject.text, "purpose": r.purpose.label if r.purpose else "all"}
                for r in keyring.revocations
            ],
        },
        separators=(",", ":"),
    ).encode()
    signatures = [
        {"kid": s.kid, "signature": _b64(s.signer.sign(CONTEXT + payload))} for s in signers
    ]
    body = json.dumps({"payload": _b64(payload), "signatures": signatures}).encode()
    return KeyringDocument(keyring.version, body)


def open_document(body: bytes, *, trusted: Keyring | None = None) -> Keyring:
    """A keyring from a document signed by a non-retired key of ``trusted``.

    With no trusted keyring (first provisioning, or the CLI given a file by an operator) the
    document must be signed by one of its own non-retired keys.
    """
    try:
        outer = json.loads(body)
        payload = _unb64(outer["payload"])
        data = json.loads(payload)
        if data["format"] != FORMAT:
            raise BadKeyring(f"unknown keyring format {data['format']!r}")
        known = [item for item in data["keys"] if item["alg"] in _ALGORITHMS]
        keyring = Keyring(
            [_key(item) for item in known],
            [_revocation(item) for item in data["revoked"]],
            version=int(data["version"]),
        )
        signatures = [(int(s["kid"]), _unb64(s["signature"])) for s in outer["signatures"]]
    except BadKeyring:
        raise
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise BadKeyring(f"malformed keyring document: {exc}") from None
    anchor = trusted or keyring
    if trusted is not None and keyring.version < trusted.version:
        raise BadKeyring("keyring is older than the one in use")
    for kid, signature in signatures:
        key = anchor.keys.get(kid)
        usable = key is not None and key.status is not KeyStatus.RETIRED
        if usable and anchor.issuer(kid).verify(signature, CONTEXT + payload):
            return keyring
    raise BadKeyring("keyring is not signed by a trusted key")


def _key(item: dict[str, Any]) -> PublicKey:
    return PublicKey(
        int(item["kid"]),
        Algorithm.from_label(item["alg"]),
        _unb64(item["public_key"]),
        KeyStatus(item["status"]),
    )


def _revocation(item: dict[str, Any]) -> Revocation:
    purpose = item["purpose"]
    return Revocation(
        Subject.parse(item["subject"]),
        None if purpose == "all" else Purpose[purpose.upper()],
    )
