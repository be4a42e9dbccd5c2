"""Annual re-verification of special-group cards, run by itself every night.

Each run claims due cards in batches (an UPDATE that only takes unclaimed or abandoned cards,
tagged with the run's token), asks 爱山东 for the riders' certificates with bounded
concurrency, and writes every outcome of a batch in one transaction, with the notification.
Several workers can run at once; a crashed run's claims lapse and the cards are taken again;
a card checked moves its ``next_check_at`` a year on, so a second run finds nothing to do.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from integrations.base import PlatformUnavailable
from models.transit.cards import CardKind, CardState, CheckOutcome, ReverificationRun, SpecialCard
from services.deps import Deps
from services.errors import UpstreamUnavailable
from services.transit import cache, cards, eligibility, fares, reminders, runs
from services.transit.notify_many import Message, notify_many

log = logging.getLogger("palm.transit")

BATCH = 500
CONCURRENCY = 64  # platform calls in flight per batch
CLAIM = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Due:
    """What checking one card needs (read as plain rows: a night has many)."""

    id: uuid.UUID
    kind: CardKind
    next_check_at: datetime
    certificate_no: str | None
    account_id: uuid.UUID
    payer_id: uuid.UUID
    birth_date: date
    id_number_enc: str


_DUE_FIELDS = (
    "id", "kind", "next_check_at", "certificate_no", "account_id",
    "account__payer_id", "account__rider_birth_date", "account__rider_id_number_enc",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Outcome:
    card: Due
    decision: eligibility.Decision | None
    result: CheckOutcome

    @property
    def phrase(self) -> str:
        return PHRASE[self.result]


PHRASE = {
    CheckOutcome.RENEWED: "已续期",
    CheckOutcome.DOWNGRADED: "已降级",
    CheckOutcome.SUSPENDED: "已暂停",
    CheckOutcome.IN_PERSON: "需现场核验",
}


async def run_now(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: the nightly run, queued by an operator."""
    by = uuid.UUID(payload["by"]) if payload.get("by") else None
    await nightly(deps, trigger="operator", by=by)


async def nightly(deps: Deps, *, trigger: str = "schedule", by: uuid.UUID | None = None) -> None:
    """Cron: remind riders whose check is coming, then re-verify every card due."""
    now = datetime.now(UTC)
    await reminders.birthdays(now)
    await reminders.remind(now)
    await reverify_due(deps, now=now, trigger=trigger, by=by)


async def reverify_due(
    deps: Deps, *, now: datetime, batch: int = BATCH, trigger: str = "schedule",
    by: uuid.UUID | None = None,
) -> int:  # fmt: skip
    """Re-check every due card as one recorded run; returns how many this worker checked."""
    run, done = await runs.start(trigger=trigger, by=by, now=now), 0
    try:
        while claimed := await _claim(now, batch):
            done += await _process(deps, run, claimed, now)
    except BaseException:
        await runs.finish(run, failed=True, now=datetime.now(UTC))
        raise
    await runs.finish(run, failed=False, now=datetime.now(UTC))
    return done


async def _claim(now: datetime, size: int) -> list[Due]:
    """Take up to ``size`` due cards for this worker; empty only when none is left."""
    due = Q(next_check_at__lte=now) & Q(state__in=(CardState.ACTIVE, CardState.REVIEW))
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    token = secrets.token_hex(16)
    while True:
        ids = list(
            await SpecialCard.filter(due & free).order_by("next_check_at").limit(size)
            .values_list("id", flat=True)
        )  # fmt: skip
        if not ids:
            return []
        # Re-checked in the UPDATE itself, so of two workers picking the same ids one gets
        # each card; a worker that got none of them (all taken meanwhile) looks again.
        if await SpecialCard.filter(Q(id__in=ids) & free).update(
            claimed_until=now + CLAIM, claim_token=token
        ):
            break
    rows = await SpecialCard.filter(claim_token=token).values_list(*_DUE_FIELDS)
    return [Due(uuid.UUID(str(r[0])), CardKind(r[1]), *r[2:]) for r in rows]


async def _process(deps: Deps, run: ReverificationRun, claimed: list[Due], now: datetime) -> int:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(card: Due) -> Outcome | None:
        async with gate:
            try:
                return _outcome(
                    card,
                    await cards.check_rider(
                        deps, card.id_number_enc, card.birth_date, card.kind, now=now
                    ),
                    now,
                )
            except (UpstreamUnavailable, PlatformUnavailable) as exc:
                log.warning("re-verification of a card postponed: %s", type(exc).__name__)
                return None

    outcomes = await asyncio.gather(*(one(card) for card in claimed))
    postponed = [c.id for c, o in zip(claimed, outcomes, strict=True) if o is None]
    done = [o for o in outcomes if o is not None]
    async with in_transaction():
        if postponed:  # the platform did not answer: due again next run
            await SpecialCard.filter(id__in=postponed).update(claimed_until=None, claim_token=None)
        await _write(done, now)
        await runs.record(run, [_checked(o) for o in done], len(postponed), now)
        await notify_many([_message(o, now) for o in done])
    await cache.forget(deps.changes, *(c.account_id for c in claimed))
    return len(done)


def _outcome(card: Due, decision: eligibility.Decision | None, now: datetime) -> Outcome:
    if decision is not None:
        in_person = decision.in_person
        return Outcome(
            card, decision, CheckOutcome.IN_PERSON if in_person else CheckOutcome.RENEWED
        )
    fallback = eligibility.fallback(card.birth_date, fares.service_date(now))
    return Outcome(card, fallback, CheckOutcome.DOWNGRADED if fallback else CheckOutcome.SUSPENDED)


def _checked(outcome: Outcome) -> runs.Checked:
    decision = outcome.decision
    return runs.Checked(outcome.card.id, decision.kind if decision else outcome.card.kind,
                        outcome.result, decision.valid_until if decision else None)  # fmt: skip


async def _write(done: list[Outcome], now: datetime) -> None:
    """One UPDATE per set of identical new values (most renewals of a night share theirs)."""
    groups: defaultdict[tuple[tuple[str, Any], ...], list[uuid.UUID]] = defaultdict(list)
    renumbered: list[tuple[uuid.UUID, str | None]] = []
    for outcome in done:
        values = _values(outcome, now)
        groups[tuple(sorted(values.items()))].append(outcome.card.id)
        licence = outcome.decision.certificate if outcome.decision else None
        if licence is not None and licence.number != outcome.card.certificate_no:
            renumbered.append((outcome.card.id, licence.number))
    for changes, ids in groups.items():
        await SpecialCard.filter(id__in=ids).update(**dict(changes))
    for card_id, number in renumbered:
        await SpecialCard.filter(id=card_id).update(certificate_no=number)


def _values(outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The card's new fields, but its certificate number (renewals rarely change it)."""
    decision = outcome.decision
    values: dict[str, Any] = {"checked_at": now, "claimed_until": None, "claim_token": None}
    if decision is None:
        return {**values, "state": CardState.SUSPENDED}
    licence = decision.certificate
    return {
        **values, "kind": decision.kind, "group": int(decision.group),
        "state": CardState.REVIEW if decision.in_person else CardState.ACTIVE,
        "certificate_issuer_code": licence.issuer_code if licence else None,
        "certificate_valid_until": licence.valid_until if licence else None,
        "valid_until": decision.valid_until, "next_check_at": cards.next_check(decision, now),
    }  # fmt: skip


def _message(outcome: Outcome, now: datetime) -> Message:
    card = outcome.card
    return Message(
        card.payer_id,
        "reverification",
        {"thing1": reminders.KIND_ZH[card.kind], "phrase2": outcome.phrase,
         "date3": fares.service_date(now).isoformat(),
         "thing4": "无需办理" if outcome.phrase == "已续期" else "详情请在小程序中查看"},
        key=f"transit-reverified:{card.id}:{card.next_check_at.date().isoformat()}",
        page="pages/transit/card",
    )  # fmt: skip
