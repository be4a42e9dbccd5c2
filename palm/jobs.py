"""The job queue (taskiq): Redis streams when REDIS_URL is set, in-process otherwise.

Why taskiq: it is asyncio-native, runs its receiver and scheduler inside our own process (one
command serves the product) or as separate workers, and its Redis-stream broker acknowledges
messages so a crashed worker's job is redelivered. (arq and saq pin redis-py below 8.) The
queue only carries outbox message ids: the outbox row is the durable record, so nothing is lost
if the queue is flushed, and a sweep every minute redelivers what is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import (
    AckableMessage,
    AsyncBroker,
    AsyncTaskiqDecoratedTask,
    InMemoryBroker,
    TaskiqScheduler,
)
from taskiq.api import run_receiver_task, run_scheduler_task
from taskiq.schedule_sources import LabelScheduleSource
from taskiq_redis import RedisStreamBroker, RedisStreamClusterBroker, RedisStreamSentinelBroker

from palm import keys, redis_url
from palm.settings import Settings
from services import jobs
from services.deps import Deps
from services.job_table import TABLE

log = logging.getLogger("palm.jobs")


class _Redeclare:
    """Survive losing the job stream: a Redis restarted without its data, or flushed, answers
    every read with NOGROUP, and taskiq's receiver would fail and retry in a tight loop for
    ever (tens of thousands of logged errors a minute). The stream and its consumer group are
    declared again instead; what was queued is still in the outbox, which the sweep hands over
    again."""

    async def listen(self) -> AsyncIterator[AckableMessage]:
        while True:
            try:
                async for message in super().listen():  # type: ignore[misc]
                    yield message
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                log.warning("the job stream or its consumer group was gone: declared again")
                await self._declare_consumer_group()  # type: ignore[attr-defined]
                await asyncio.sleep(0.1)


class StreamBroker(_Redeclare, RedisStreamBroker):  # type: ignore[misc]
    """taskiq's Redis-stream broker on one server, which survives losing its stream."""


class SentinelStreamBroker(_Redeclare, RedisStreamSentinelBroker):  # type: ignore[misc]
    """taskiq-redis's stream broker through Sentinel (follows the master over a failover)."""


class ClusterStreamBroker(_Redeclare, RedisStreamClusterBroker):  # type: ignore[misc]
    """taskiq-redis's stream broker on Redis Cluster (one stream: one key, one slot)."""


# One stream, one key: on a cluster it lives in one slot whatever its name.
QUEUE = "palm:jobs"
GROUP = "palm-workers"


def open_broker(url: str | None) -> AsyncBroker:
    """taskiq-redis's stream broker matching ``REDIS_URL``'s form; in-process without one.

    The Sentinel and Cluster brokers do not claim back a crashed worker's unacknowledged
    messages as the single-server one does: the outbox sweep redelivers those (a job whose
    claim lapsed is due again), so nothing is lost, only later.
    """
    if not url:
        return InMemoryBroker()
    target = redis_url.parse(url)
    retry: dict[str, Any] = {
        "socket_connect_timeout": 2,
        "retry": Retry(ExponentialBackoff(cap=5.0, base=0.1), retries=3),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }
    if target.kind == "sentinel":
        return SentinelStreamBroker(
            list(target.nodes), target.service, queue_name=QUEUE, consumer_group_name=GROUP,
            db=target.db, password=target.password, health_check_interval=15,
            socket_timeout=15, **retry,
        )  # fmt: skip
    if target.kind == "cluster":
        # taskiq-redis opens RedisCluster.from_url with one node; the others are discovered
        # (the first node must answer at start-up).
        host, port = target.nodes[0]
        auth = f":{target.password}@" if target.password else ""
        return ClusterStreamBroker(
            f"redis://{auth}{host}:{port}/0", queue_name=QUEUE, consumer_group_name=GROUP,
            **retry,
        )  # fmt: skip
    return StreamBroker(
        url, queue_name=QUEUE, consumer_group_name=GROUP, unacknowledged_lock_timeout=600,
        # Survive a Redis restart: drop dead pooled connections, back off on errors.
        health_check_interval=15, **retry,
    )  # fmt: skip


class JobQueue:
    """Hands outbox ids to the broker; runs the receiver and the cron scheduler when asked.

    ``table`` is every job it can run (``services.job_table.TABLE`` in the app).
    """

    def __init__(self, settings: Settings, deps: Deps, table: jobs.JobTable) -> None:
        self._deps = deps
        self.table = table
        self.broker = open_broker(settings.redis_url)

        async def process(message_id: int) -> bool:
            return await self.process(message_id)

        async def sweep() -> int:
            return await self.sweep()

        self._process: AsyncTaskiqDecoratedTask[[int], Any] = self.broker.register_task(
            process, task_name="palm.process"
        )
        self.broker.register_task(sweep, task_name="palm.sweep", schedule=[{"cron": "* * * * *"}])
        for job in table.cron:
            self.broker.register_task(
                self._cron_runner(job),
                task_name=f"palm.cron.{job.name}",
                schedule=[{"cron": job.cron}],
            )
        self._tasks: list[asyncio.Task[Any]] = []

    async def process(self, message_id: int) -> bool:
        """Run one outbox message here and now (what the receiver does with a delivered id)."""
        return await jobs.process(self.table, self._deps, message_id)

    async def sweep(self) -> int:
        """Deliver every due outbox message to the queue (new, retried, or abandoned)."""
        due = await jobs.due()
        await self.kick(due)
        return len(due)

    def _cron_runner(self, job: jobs.CronJob) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            # Several schedulers may fire the same minute: one Redis claim per run.
            minute = datetime.now(UTC).strftime("%Y%m%d%H%M")
            if await self._deps.redis.set(f"palm:cron:{job.name}:{minute}", b"1", nx=True, ex=3600):
                await job.run(self._deps)

        run.__name__ = f"cron_{job.name.replace('.', '_')}"
        return run

    async def kick(self, message_ids: list[int]) -> None:
        """Hand committed outbox messages to the queue now; never raises.

        The messages are already in the outbox: if the broker cannot take them (Redis down,
        a stalled stream) the minute's sweep delivers them, so a caller whose write has
        committed must not fail over the queue.
        """
        for done, message_id in enumerate(message_ids):
            try:
                await self._process.kiq(message_id)
            except Exception as exc:  # whatever the broker raises, the sweep recovers
                log.warning("queueing %s job(s) failed, the sweep will deliver them: %s",
                            len(message_ids) - done, type(exc).__name__)  # fmt: skip
                return

    async def start(self, *, worker: bool, scheduler: bool) -> None:
        await self.broker.startup()
        if worker and not isinstance(self.broker, InMemoryBroker):
            self._tasks.append(asyncio.create_task(run_receiver_task(self.broker)))
        if scheduler:
            sched = TaskiqScheduler(self.broker, [LabelScheduleSource(self.broker)])
            self._tasks.append(asyncio.create_task(run_scheduler_task(sched)))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop at a safe point, but never hang: a job still running after ``grace`` seconds is
        abandoned here and, its claim lapsing, run again by a live worker (jobs are idempotent)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=grace)
            if stuck:
                log.warning("job receiver did not stop within %ss; abandoning it", grace)
        with contextlib.suppress(TimeoutError):
            if isinstance(self.broker, InMemoryBroker):  # finish what this process started
                await asyncio.wait_for(self.broker.wait_all(), timeout=grace)
            await asyncio.wait_for(self.broker.shutdown(), timeout=grace)


async def jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    queue = JobQueue(settings, app[keys.DEPS], TABLE)
    app[keys.JOBS] = queue
    await queue.start(worker=settings.run_worker, scheduler=settings.run_scheduler)
    try:
        yield
    finally:
        await queue.stop()
