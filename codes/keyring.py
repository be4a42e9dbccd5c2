"""A keyring snapshot: issuer public keys with their status, and the revocation list.

Verification reads only this snapshot, so the server, the CLI and an offline validator give
the same answer for the same inputs. Public key objects are loaded once per snapshot, which
leaves one signature verification (two offline) as the per-code cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.format import DeviceCertificate
from codes.signing import Algorithm, Verifier, load_verifier

_CERTIFICATE_MEMO_SIZE: Final = 4096


class KeyStatus(StrEnum):
    ACTIVE = "active"
    """Signs new codes and certificates; at most one key is active."""
    RETIRING = "retiring"
    """Replaced by rotation: no longer signs, still verifies until retired."""
    RETIRED = "retired"
    """Listed so verifiers can say why they refuse it; verifies nothing."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    kid: int
    algorithm: Algorithm
    public_key: bytes
    status: KeyStatus


@dataclass(frozen=True, slots=True)
class Revocation:
    """A suspended card or account; ``purpose`` None means every purpose."""

    subject: Subject
    purpose: Purpose | None = None


class Keyring:
    """An immutable snapshot of keys and revocations, with key objects ready to verify."""

    __slots__ = ("_certificates", "_revoked", "_verifiers", "keys", "revocations", "version")

    def __init__(
        self, keys: Iterable[PublicKey], revocations: Iterable[Revocation] = (), *, version: int = 0
    ) -> None:
        self.version = version
        self.keys: Mapping[int, PublicKey] = MappingProxyType({key.kid: key for key in keys})
        self.revocations = tuple(revocations)
        self._verifiers = {
            key.kid: load_verifier(key.algorithm, key.public_key)
            for key in self.keys.values()
            if key.status is not KeyStatus.RETIRED
        }
        revoked: dict[bytes, set[int]] = {}
        for entry in self.revocations:
            revoked.setdefault(entry.subject.encoded, set()).add(entry.purpose or 0)
        self._revoked = {subject: frozenset(purposes) for subject, purposes in revoked.items()}
        # Device certificates already checked against this snapshot's keys, by their exact
        # bytes (signature included): a validator sees the same phone many times a day.
        self._certificates: dict[bytes, tuple[Verifier, DeviceCertificate]] = {}

    def issuer(self, kid: int) -> Verifier:
        """The verifier of issuer key ``kid``; raises unknown_key or retired_key."""
        verifier = self._verifiers.get(kid)
        if verifier is None:
            raise CodeRejected("retired_key" if kid in self.keys else "unknown_key")
        return verifier

    def is_revoked(self, subject: bytes, purpose: int) -> bool:
        """Whether the encoded subject is revoked for ``purpose`` or for every purpose."""
        purposes = self._revoked.get(subject)
        return purposes is not None and (0 in purposes or purpose in purposes)

    def certified(self, certificate: bytes) -> tuple[Verifier, DeviceCertificate] | None:
        """A certificate already checked against this snapshot, with its device's verifier."""
        return self._certificates.get(certificate)

    def remember_certificate(
        self, certificate: bytes, device: Verifier, fields: DeviceCertificate
    ) -> None:
        if len(self._certificates) >= _CERTIFICATE_MEMO_SIZE:
            del self._certificates[next(iter(self._certificates))]
        self._certificates[certificate] = (device, fields)

    @property
    def active(self) -> PublicKey | None:
        """The key that signs new codes, if any."""
        return next((k for k in self.keys.values() if k.status is KeyStatus.ACTIVE), None)
