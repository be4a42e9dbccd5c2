"""Keyring snapshots from the database: for verifying on the server, and for validators.

``KeyCache`` keeps the signing key, a snapshot and the signed document per process and
reloads them when the keyring version changes, so issuing, verifying and serving validators
touch the database once per interval rather than once per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from codes.document import KeyringDocument, sign_document
from codes.fields import Purpose, Subject
from codes.issue import Issuer
from codes.keyring import Keyring, KeyStatus, PublicKey, Revocation
from codes.signing import Algorithm
from models.codes import IssuerKey, IssuerKeyStatus, RevocationEntry, RevocationScope
from services.codes.store import current_version, issuer_from_row, load_issuer
from services.privacy import FieldCipher


class CodeKeys(Protocol):
    """What services need to issue and verify codes: the signing key and a keyring snapshot.

    ``KeyCache`` is the one the application wires; tests may hand in anything with these two.
    """

    async def issuer(self) -> Issuer: ...

    async def keyring(self) -> Keyring: ...


async def _rows() -> tuple[int, list[IssuerKey], list[RevocationEntry]]:
    # The version is read first: a change committed meanwhile leaves rows newer than the
    # version, so validators fetch again on their next poll rather than miss it.
    version = await current_version()
    return (
        version,
        await IssuerKey.all().order_by("kid"),
        await RevocationEntry.all().order_by("id"),
    )


def _keyring(version: int, keys: list[IssuerKey], entries: list[RevocationEntry]) -> Keyring:
    return Keyring(
        [
            PublicKey(
                k.kid,
                Algorithm.from_label(k.algorithm),
                bytes(k.public_key),
                KeyStatus(k.status.value),
            )
            for k in keys
        ],
        [Revocation(Subject.parse(e.subject), _purpose(e.purpose)) for e in entries],
        version=version,
    )


async def load_keyring() -> Keyring:
    """A snapshot of every key and revocation, for verifying on the server."""
    return _keyring(*await _rows())


def _purpose(scope: RevocationScope) -> Purpose | None:
    return None if scope is RevocationScope.ALL else Purpose[scope.name]


async def keyring_document(cipher: FieldCipher, *, now: int) -> KeyringDocument:
    """The signed keyring validators download: public keys and revocations, with a version."""
    version, keys, entries = await _rows()
    signers = [issuer_from_row(cipher, k) for k in keys if k.status is not IssuerKeyStatus.RETIRED]
    return sign_document(_keyring(version, keys, entries), signers, issued_at=now)


async def keyring_document_since(
    cipher: FieldCipher, known_version: int | None, *, now: int
) -> KeyringDocument | None:
    """The keyring document, or None when ``known_version`` is current (answer 304)."""
    if known_version is not None and known_version == await current_version():
        return None
    return await keyring_document(cipher, now=now)


class KeyCache:
    """The active issuer and a keyring snapshot, reloaded when the keyring version moves.

    The version is checked at most every ``recheck`` seconds, so after a rotation or a
    revocation each process catches up within that interval.
    """

    def __init__(
        self,
        cipher: FieldCipher,
        *,
        recheck: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cipher = cipher
        self._recheck = recheck
        self._clock = clock
        self._lock = asyncio.Lock()
        self._checked_at = -float("inf")
        self._loaded: tuple[int, Keyring, Issuer | None] | None = None
        self._document: KeyringDocument | None = None

    async def keyring(self) -> Keyring:
        """A snapshot no more than ``recheck`` seconds behind the database."""
        return (await self._current())[1]

    async def issuer(self) -> Issuer:
        """The active issuer key; NotFound when none is configured."""
        issuer = (await self._current())[2]
        return issuer if issuer is not None else await load_issuer(self._cipher)

    async def document(self, known_version: int | None, *, now: int) -> KeyringDocument | None:
        """The signed keyring for validators, signed once per version; None if theirs is current."""
        version = (await self._current())[0]
        if known_version == version:
            return None
        if self._document is None or self._document.version < version:
            self._document = await keyring_document(self._cipher, now=now)
        return self._document

    async def _current(self) -> tuple[int, Keyring, Issuer | None]:
        loaded = self._loaded
        if loaded is not None and self._clock() - self._checked_at < self._recheck:
            return loaded
        async with self._lock:  # one reload for all the requests that noticed at once
            if self._loaded is not None and self._clock() - self._checked_at < self._recheck:
                return self._loaded
            if self._loaded is None or self._loaded[0] != await current_version():
                # Keys and issuer from the same rows, so the signing key is always in the
                # snapshot that verifies its codes.
                version, keys, entries = await _rows()
                active = next((k for k in keys if k.status is IssuerKeyStatus.ACTIVE), None)
                issuer = issuer_from_row(self._cipher, active) if active else None
                self._loaded = (version, _keyring(version, keys, entries), issuer)
            self._checked_at = self._clock()
            return self._loaded
