"""Reports to the public credit platform: defaults left unresolved, and their repairs.

A cron run finds defaults whose window has passed and queues one report job each (key
``credit-report:<id>``). Each report carries a serial number the platform deduplicates, so a
job that runs twice (a crash after sending, a redelivery) still makes one record there.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from integrations.credit.models import Feedback, FeedbackKind
from models.credit.waivers import CreditDefault, DefaultStatus, EventKind
from models.jobs import OutboxMessage
from services import jobs
from services.credit import accounts, events
from services.deps import Deps
from services.errors import PermissionDenied

log = logging.getLogger("palm.credit")
REPORT_CHECK_CRON = "*/10 * * * *"


def report_key(default_id: uuid.UUID | str) -> str:
    return f"credit-report:{default_id}"


async def report_due_defaults(deps: Deps) -> None:
    """Cron: queue a report for every default whose dispute window has passed."""
    await queue_due_reports(now=datetime.now(UTC))


async def queue_due_reports(*, now: datetime) -> int:
    """Queue reports for open defaults past their window; how many were newly queued."""
    due = await CreditDefault.filter(status=DefaultStatus.OPEN, window_ends_at__lte=now).only("id")
    queued = 0
    for default_id in (row.id for row in due):
        async with in_transaction():
            # Conditional, so a payment or dispute that just arrived wins, and so does a
            # concurrent run of this job.
            if not await CreditDefault.filter(id=default_id, status=DefaultStatus.OPEN).update(
                status=DefaultStatus.UNRESOLVED, report_queued_at=now
            ):
                continue
            default = await CreditDefault.get(id=default_id)
            await events.record(default.waiver_id, EventKind.REPORT_QUEUED, at=now)  # type: ignore[attr-defined]
            await jobs.add(
                "credit.report", {"default_id": str(default_id)}, key=report_key(default_id)
            )
            queued += 1
    return queued


async def _load(default_id: str) -> CreditDefault | None:
    return await CreditDefault.get_or_none(id=default_id).prefetch_related(
        "waiver__merchant", "account__resident"
    )


def _feedback(deps: Deps, default: CreditDefault, kind: FeedbackKind, on: datetime) -> Feedback:
    merchant = default.waiver.merchant
    return Feedback(
        serial=f"palm-{kind}-{default.id}",
        kind=kind,
        identity=accounts.identity_of(default.account.resident, deps.cipher),
        amount_fen=default.amount_fen,
        occurred_on=on.date(),
        reporter=merchant.code,
        reporter_name=merchant.name_zh,
        reference=str(default.id),
        record_id=default.report_record_id if kind == "repair" else None,
    )


async def send_report(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: report one unresolved default (idempotent: one record per default on the platform)."""
    default = await _load(payload["default_id"])
    if default is None or default.reported_at is not None:
        return
    now = datetime.now(UTC)
    waiver_id = default.waiver.id
    try:
        report = _feedback(deps, default, "default", default.window_ends_at)
    except PermissionDenied:  # the account was closed and its identity erased
        report = None
    if default.status == DefaultStatus.RESOLVED or report is None:
        await events.record(waiver_id, EventKind.REPORT_SKIPPED, at=now)
        return
    receipt = await deps.credit.feedback(report)
    async with in_transaction():
        if await CreditDefault.filter(id=default.id, reported_at__isnull=True).update(
            reported_at=now, report_record_id=receipt.record_id
        ):
            await events.record(waiver_id, EventKind.REPORTED, at=now, note=receipt.record_id)
    log.info("credit default %s reported (duplicate=%s)", default.id, receipt.duplicate)


async def send_repair(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: tell the platform a reported default was paid or overturned."""
    default = await _load(payload["default_id"])
    if default is None or default.repaired_at is not None:
        return
    if default.reported_at is None:
        report = await OutboxMessage.get_or_none(key=report_key(default.id))
        if report is not None and report.done_at is None and report.dead_at is None:
            raise jobs.RetryLater(30, "the report is still on its way")
        return  # it was never reported: nothing to repair
    now = datetime.now(UTC)
    receipt = await deps.credit.feedback(
        _feedback(deps, default, "repair", default.resolved_at or now)
    )
    async with in_transaction():
        if await CreditDefault.filter(id=default.id, repaired_at__isnull=True).update(
            repaired_at=now
        ):
            await events.record(
                default.waiver.id, EventKind.REPAIRED, at=now, note=receipt.record_id
            )
