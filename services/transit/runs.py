"""Re-verification runs as operators see them (one row per pass, one per card checked); on demand.

Recorded in the same transaction as the cards' new state, so a run's counts and checks are
exactly the cards it changed; a run that stops on an error is marked failed, and its cards,
still due, are taken by the next one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.expressions import F
from tortoise.queryset import QuerySet

from models.transit.cards import CardCheck, CardKind, CheckOutcome, ReverificationRun, RunStatus
from services import jobs
from services.transit.listing import Listing, Row, given, within_days


@dataclass(frozen=True, slots=True)
class Checked:
    card_id: uuid.UUID
    kind: CardKind
    outcome: CheckOutcome
    valid_until: date | None


async def run_now(job: str, *, through: date | None, by: uuid.UUID, now: datetime) -> None:
    """Queue the nightly ``reverification`` or ``settlement`` now (safe alongside the cron)."""
    payload = {"by": by.hex}
    if through:
        payload["through"] = through.isoformat()
    await jobs.add(f"transit.run.{job}", payload, key=f"transit-run:{job}:{now:%Y%m%d%H%M%S%f}")


async def start(*, trigger: str, by: uuid.UUID | None, now: datetime) -> ReverificationRun:
    return await ReverificationRun.create(trigger=trigger, requested_by=by, started_at=now)


async def record(
    run: ReverificationRun, checked: Iterable[Checked], postponed: int, now: datetime
) -> None:
    """One batch's outcomes (inside the batch's transaction)."""
    rows = [CardCheck(run_id=run.id, card_id=c.card_id, kind=c.kind, outcome=c.outcome,
                      valid_until=c.valid_until, checked_at=now) for c in checked]  # fmt: skip
    if rows:
        await CardCheck.bulk_create(rows)
    counts = Counter(row.outcome.value for row in rows)
    changes = {name: F(name) + n for name, n in counts.items()}
    if postponed:
        changes["postponed"] = F("postponed") + postponed
    if changes:
        await ReverificationRun.filter(id=run.id).update(**changes)


async def finish(run: ReverificationRun, *, failed: bool, now: datetime) -> None:
    status = RunStatus.FAILED if failed else RunStatus.FINISHED
    await ReverificationRun.filter(id=run.id).update(status=status, finished_at=now)


def _runs(
    *, since: date | None = None, until: date | None = None, status: RunStatus | None = None
) -> QuerySet[ReverificationRun]:
    return ReverificationRun.filter(within_days("started_at", since, until), **given(status=status))


def _run_row(r: ReverificationRun) -> Row:
    return {
        "id": r.id, "trigger": r.trigger, "status": r.status, "started_at": r.started_at,
        "finished_at": r.finished_at, "checked": r.renewed + r.downgraded + r.suspended
        + r.in_person, "renewed": r.renewed, "downgraded": r.downgraded,
        "suspended": r.suspended, "in_person": r.in_person, "postponed": r.postponed,
    }  # fmt: skip


RUNS = Listing(_runs, "started_at", (
    "id", "trigger", "status", "started_at", "finished_at", "checked", "renewed", "downgraded",
    "suspended", "in_person", "postponed",
), _run_row)  # fmt: skip


def _checks(
    *, run: int | None = None, since: date | None = None, until: date | None = None,
    outcome: CheckOutcome | None = None, kind: CardKind | None = None,
) -> QuerySet[CardCheck]:  # fmt: skip
    return CardCheck.filter(
        within_days("checked_at", since, until), **given(run_id=run, outcome=outcome, kind=kind)
    ).select_related("card")


def _check_row(c: CardCheck) -> Row:
    return {
        "id": c.id, "run": c.run_id, "card": str(c.card_id),  # type: ignore[attr-defined]
        "account": str(c.card.account_id),  # type: ignore[attr-defined]
        "kind": c.kind, "outcome": c.outcome, "state": c.card.state,
        "valid_until": c.valid_until, "checked_at": c.checked_at,
    }  # fmt: skip


CHECKS = Listing(_checks, "checked_at", (
    "id", "run", "card", "account", "kind", "outcome", "state", "valid_until", "checked_at",
), _check_row)  # fmt: skip
