"""Policies find people (plan item 33): new qualifications on the platform reach residents.

A scan reads the talent platform's change feed from where it last stopped. For each new
degree, title or class of a resident of ours, it asks the platform and the rules whether that
earns a card, or a better one than theirs, and tells them so. A lock in Redis keeps one scan
running; the cursor is saved after each page and each message's key names the record version,
so a scan re-run after a failure repeats no message.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from integrations.talent.models import Change
from models.identity.residents import IdType, Resident, ResidentStatus
from models.talent.applications import ApplicationStatus, TalentApplication
from models.talent.benefits import TalentScanCursor
from services import jobs
from services.deps import Deps
from services.identity.realname import id_number_hash
from services.talent import cards, notices, rules
from services.talent.applications import identity_of
from services.talent.clock import local_date

log = logging.getLogger("palm.talent")

LOCK = "palm:talent:policy-scan"
PAGE = 200
MAX_PAGES = 50  # a run reads at most 10,000 changes; the next run continues
TRIGGERS = frozenset({"degree", "title", "class"})
_NUMBER_KINDS = (IdType.ID_CARD, IdType.PERMANENT_RESIDENCE)


async def scan(deps: Deps, now: datetime) -> int:
    """Read new changes and notify whoever they make eligible; returns messages queued."""
    if not await deps.redis.set(LOCK, b"1", nx=True, ex=600):
        return 0  # another scan is running and will read the same changes
    told = 0
    try:
        cursor, _ = await TalentScanCursor.get_or_create(id=1)
        for _ in range(MAX_PAGES):
            page = await deps.talent.changes(cursor.position, PAGE)
            for change in page.changes:
                if change.kind in TRIGGERS:
                    told += await _consider(deps, change, now)
            cursor.position = page.next
            await cursor.save(update_fields=["position", "updated_at"])
            if not page.more:
                break
    finally:
        await deps.redis.delete(LOCK)
    if told:
        log.info("policy scan: %s residents told of a talent card", told)
    return told


async def _consider(deps: Deps, change: Change, now: datetime) -> int:
    # The feed gives a number, not its type: a foreigner's permanent residence card is 18
    # characters too, so both kinds are looked up.
    hashes = [id_number_hash(deps.cipher, kind, change.id_number) for kind in _NUMBER_KINDS]
    resident = await Resident.get_or_none(id_number_hash__in=hashes, status=ResidentStatus.ACTIVE)
    if resident is None or resident.verified_at is None:
        return 0
    if await TalentApplication.exists(
        resident_id=resident.id, status=ApplicationStatus.PENDING_REVIEW
    ):
        return 0
    today = local_date(now)
    outcome = await rules.evaluate(
        await deps.talent.qualification(*identity_of(resident, deps.cipher)), today
    )
    if not isinstance(outcome, rules.Confirmed):
        return 0
    active = await cards.active_primary(resident.id)
    held = active is not None and active.valid_until >= today
    if active is not None and held and outcome.tier.rank <= active.tier.rank:
        return 0
    key = f"talent-policy:{resident.id}:{change.version}:{outcome.tier.value}"
    async with in_transaction():
        await notices.policy_found(resident.id, outcome.tier, upgrade=held, key=key)
    return 1


async def scan_job(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: a scan an operator asked for."""
    await scan(deps, datetime.now(UTC))


async def scan_cron(deps: Deps) -> None:
    """Cron: scan the platform's change feed twice an hour."""
    await scan(deps, datetime.now(UTC))


async def request_scan() -> None:
    """Queue a scan now; one running already makes it a no-op (the lock), not a duplicate."""
    await jobs.add("talent.policy_scan", {}, key=f"talent-policy-scan:{uuid.uuid4()}")
