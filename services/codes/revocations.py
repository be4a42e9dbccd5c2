"""The revocation list: cancelled or lost cards, accounts in arrears."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from codes.fields import Purpose, Subject
from models.codes import RevocationEntry, RevocationReason, RevocationScope
from services.codes.store import bump_version

log = logging.getLogger("palm.codes")


def scope_of(purpose: Purpose | None) -> RevocationScope:
    return RevocationScope.ALL if purpose is None else RevocationScope(purpose.label)


async def revoke(subject: Subject, purpose: Purpose | None, reason: RevocationReason) -> bool:
    """Add a subject to the revocation list; False if it was already there."""
    scope = scope_of(purpose)
    async with in_transaction():
        _, created = await RevocationEntry.get_or_create(
            subject=subject.text, purpose=scope, defaults={"reason": reason}
        )
        if created:
            await bump_version()
    if created:
        log.info("revoked %s for %s (%s)", subject.text, scope.value, reason.value)
    return created


async def unrevoke(subject: Subject, purpose: Purpose | None) -> bool:
    """Lift a revocation (a card found, arrears paid); False if there was none."""
    scope = scope_of(purpose)
    async with in_transaction():
        deleted = await RevocationEntry.filter(subject=subject.text, purpose=scope).delete()
        if deleted:
            await bump_version()
            log.info("revocation of %s for %s lifted", subject.text, scope.value)
    return bool(deleted)
