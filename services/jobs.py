"""Background work: an outbox in the database, executed by the job queue (taskiq).

Services call ``add`` inside the transaction that causes the work, so the work is committed or
rolled back with it. ``services.job_table`` names the function for each topic and the cron
jobs; the queue is handed that table and runs ``process(table, deps, message id)``. A message
is claimed atomically, so a duplicate delivery or a second worker never runs it twice at once,
and a failure leaves it for a later attempt with exponential backoff. ``due`` lists what a
sweep must (re)deliver: new messages, retries whose time has come, and claims abandoned by a
crashed worker.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast, get_args

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from models.jobs import OutboxMessage
from services.deps import Deps

log = logging.getLogger("palm.jobs")

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 300

Payload = dict[str, Any]
"""A message's JSON payload, as the service that added it wrote it."""
Handler = Callable[[Deps, Payload], Awaitable[None]]
Scheduled = Callable[[Deps], Awaitable[None]]

Topic = Literal[
    "localcopy.announce",
    "notification.send",
    "notification.custom",
    "hotline.submit",
    "hotline.action",
    "credit.report",
    "credit.repair",
    "talent.policy_scan",
    "transit.taps.price",
    "transit.payment.apply",
    "transit.run.settlement",
    "transit.run.reverification",
    "medical.cache.drop",
]
"""Every kind of work a service may ``add``; ``services.job_table`` has one handler for each."""
TOPICS: frozenset[str] = frozenset(get_args(Topic))


class UnknownTopic(ValueError):
    """Work was added, or found in the outbox, under a topic no handler takes."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"no handler for topic {topic!r}")
        self.topic = topic


class RetryLater(Exception):
    """Raised by a handler to try again after ``seconds`` without counting it as an error."""

    def __init__(self, seconds: int, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class CronJob:
    name: str
    cron: str  # standard five-field cron, UTC
    run: Scheduled


@dataclass(frozen=True, slots=True)
class JobTable:
    """Which function runs each topic, and the scheduled jobs: handed to the queue at start-up.

    Refuses to be built unless every topic has exactly one handler, so a topic a service adds
    can never sit in the outbox with nobody to run it.
    """

    handlers: Mapping[Topic, Handler]
    cron: tuple[CronJob, ...] = ()

    def __post_init__(self) -> None:
        missing = sorted(TOPICS - self.handlers.keys())
        extra = sorted(set(self.handlers) - TOPICS)
        if missing or extra:
            raise ValueError(f"job table: no handler for {missing}, unknown topics {extra}")
        names = [job.name for job in self.cron]
        if len(names) != len(set(names)):
            raise ValueError(f"job table: cron names repeat in {names}")

    def handler(self, topic: str) -> Handler:
        """The function for ``topic``; ``UnknownTopic`` when there is none."""
        if topic not in TOPICS:
            raise UnknownTopic(topic)
        return self.handlers[cast(Topic, topic)]


# Ids added in the current request, so the caller can hand them to the queue after commit.
_added: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("outbox", default=None)


async def add(topic: str, payload: Payload, *, key: str, delay_seconds: int = 0) -> OutboxMessage:
    """Record work inside the caller's transaction; adding the same ``key`` twice is a no-op.

    A topic outside ``Topic`` raises ``UnknownTopic``, rolling the caller's transaction back.
    """
    if topic not in TOPICS:
        raise UnknownTopic(topic)
    available = datetime.now(UTC) + timedelta(seconds=delay_seconds)
    existing = await OutboxMessage.get_or_none(key=key)
    if existing is not None:
        return existing
    try:
        message = await OutboxMessage.create(
            topic=topic, key=key, payload=payload, available_at=available
        )
    except IntegrityError:  # a concurrent add of the same key won
        return await OutboxMessage.get(key=key)
    pending = _added.get()
    if pending is not None and delay_seconds == 0:
        pending.append(message.id)
    return message


def collect() -> contextvars.Token[list[int] | None]:
    """Start collecting ids added in this context (the HTTP layer kicks them after commit)."""
    return _added.set([])


def collected(token: contextvars.Token[list[int] | None]) -> list[int]:
    ids = _added.get() or []
    _added.reset(token)
    return ids


async def process(table: JobTable, deps: Deps, message_id: int) -> bool:
    """Run one message if it is due and unclaimed; True when it ran to completion.

    A topic missing from ``table`` (a message left by another release) is a counted failure
    under a plain error, so it ends dead and visible rather than silently done.
    """
    now = datetime.now(UTC)
    claimed = (
        await OutboxMessage.filter(id=message_id, done_at__isnull=True, dead_at__isnull=True)
        .filter(available_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    )
    if not claimed:
        return False  # done, dead, not yet due, or another worker holds it
    message = await OutboxMessage.get(id=message_id)
    try:
        await table.handler(message.topic)(deps, dict(message.payload))
    except RetryLater as exc:
        await _reschedule(message, exc.seconds, str(exc), count=False)
        return False
    except Exception as exc:  # any failure is retried; the error is kept for operators
        log.warning("job %s %s failed (attempt %s): %s", message.topic, message.id,
                    message.attempts, type(exc).__name__)  # fmt: skip
        await _reschedule(message, min(3600, 2**message.attempts * 5), repr(exc), count=True)
        return False
    await OutboxMessage.filter(id=message.id).update(done_at=datetime.now(UTC), last_error=None)
    return True


async def _reschedule(message: OutboxMessage, seconds: int, error: str, *, count: bool) -> None:
    now = datetime.now(UTC)
    changes: dict[str, Any] = {
        "claimed_until": None,
        "available_at": now + timedelta(seconds=seconds),
        "last_error": error[:300],
    }
    if not count:
        changes["attempts"] = message.attempts - 1
    elif message.attempts >= MAX_ATTEMPTS:
        changes["dead_at"] = now
        log.error("job %s %s gave up after %s tries", message.topic, message.id, message.attempts)
    await OutboxMessage.filter(id=message.id).update(**changes)


async def due(limit: int = 500) -> list[int]:
    """Messages a sweep should deliver to the queue now."""
    now = datetime.now(UTC)
    ids = await (
        OutboxMessage.filter(done_at__isnull=True, dead_at__isnull=True, available_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("available_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in ids]  # type: ignore[call-overload]
