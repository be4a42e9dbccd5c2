"""Issuer keys in the database: generate, rotate, retire, and load the one that signs.

Every change of keys or revocations bumps the keyring version in the same transaction, so a
validator holding the current version has exactly what the database holds.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from codes.issue import Issuer
from codes.signing import Algorithm, generate, load_signer
from models.codes import IssuerKey, IssuerKeyStatus, KeyAlgorithm, KeyringVersion
from services.codes import errors
from services.privacy import FieldCipher

log = logging.getLogger("palm.codes")


def _field(kid: int) -> str:
    # The kid is associated data: a private key copied onto another row will not decrypt.
    return f"code_issuer_key:{kid}"


async def bump_version() -> None:
    """Count one change of the keyring; call inside the change's transaction."""
    if not await KeyringVersion.filter(id=1).update(version=F("version") + 1):
        await KeyringVersion.create(id=1, version=1)


async def current_version() -> int:
    """The keyring version (0 before any key exists)."""
    row = await KeyringVersion.get_or_none(id=1)
    return row.version if row else 0


async def _create(cipher: FieldCipher, algorithm: Algorithm) -> IssuerKey:
    last = await IssuerKey.all().order_by("-kid").first()
    kid = (last.kid if last else 0) + 1
    signer = generate(algorithm)
    secret = base64.b64encode(signer.private_bytes()).decode()
    return await IssuerKey.create(
        kid=kid,
        algorithm=KeyAlgorithm(algorithm.label),
        public_key=signer.public_bytes(),
        private_key_enc=cipher.encrypt(secret, field=_field(kid)),
        status=IssuerKeyStatus.ACTIVE,
        active_slot=1,
    )


async def generate_key(cipher: FieldCipher, algorithm: Algorithm = Algorithm.P256) -> IssuerKey:
    """The first issuer key; refuses when one is active (rotate instead)."""
    try:
        async with in_transaction():
            await bump_version()  # first: the version row serialises every change of keys
            if await IssuerKey.exists(status=IssuerKeyStatus.ACTIVE):
                raise errors.issuer_key_conflict("an active key exists; rotate it instead")
            key = await _create(cipher, algorithm)
    except IntegrityError:
        raise errors.issuer_key_conflict("another key was created at the same time") from None
    log.info("issuer key %s (%s) generated and active", key.kid, key.algorithm.value)
    return key


async def rotate_key(
    cipher: FieldCipher, algorithm: Algorithm = Algorithm.P256, *, now: datetime | None = None
) -> IssuerKey:
    """A new active key; the old one keeps verifying (retiring) until it is retired."""
    try:
        async with in_transaction():
            # The version row first: concurrent rotations queue on it instead of locking the
            # active row and the new row's unique keys in different orders (a deadlock).
            await bump_version()
            old = await IssuerKey.filter(status=IssuerKeyStatus.ACTIVE).select_for_update().first()
            if old is not None:
                old.status, old.active_slot = IssuerKeyStatus.RETIRING, None
                old.rotated_at = now or datetime.now(UTC)
                await old.save(update_fields=["status", "active_slot", "rotated_at"])
            key = await _create(cipher, algorithm)
    except IntegrityError:
        raise errors.issuer_key_conflict("another rotation ran at the same time") from None
    log.info(
        "issuer key %s (%s) active; key %s retiring",
        key.kid,
        key.algorithm.value,
        old.kid if old else None,
    )
    return key


async def retire_key(kid: int, *, now: datetime | None = None) -> IssuerKey:
    """Stop accepting codes signed by a rotated-out key; the active key cannot be retired."""
    async with in_transaction():
        key = await IssuerKey.filter(kid=kid).select_for_update().first()
        if key is None:
            raise errors.issuer_key_not_found(kid)
        if key.status is IssuerKeyStatus.ACTIVE:
            raise errors.issuer_key_conflict("the active key cannot be retired; rotate first")
        if key.status is IssuerKeyStatus.RETIRING:
            key.status, key.retired_at = IssuerKeyStatus.RETIRED, now or datetime.now(UTC)
            await key.save(update_fields=["status", "retired_at"])
            await bump_version()
            log.info("issuer key %s retired", kid)
    return key


async def list_keys() -> list[IssuerKey]:
    return await IssuerKey.all().order_by("kid")


def issuer_from_row(cipher: FieldCipher, key: IssuerKey) -> Issuer:
    """Decrypt a stored key; refuses a row whose halves do not belong together."""
    secret = base64.b64decode(cipher.decrypt(key.private_key_enc, field=_field(key.kid)))
    signer = load_signer(Algorithm.from_label(key.algorithm), secret)
    if signer.public_bytes() != key.public_key:
        raise ValueError(f"issuer key {key.kid}: private and public halves do not match")
    return Issuer(key.kid, signer)


async def load_issuer(cipher: FieldCipher) -> Issuer:
    """The active key, ready to sign codes and certificates."""
    key = await IssuerKey.get_or_none(status=IssuerKeyStatus.ACTIVE)
    if key is None:
        raise errors.no_issuer_key()
    return issuer_from_row(cipher, key)
