"""The job queue: its table holds every topic and cron job; a kick never fails a committed write."""

from __future__ import annotations

import ast
import asyncio
import importlib
import logging
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from models.jobs import OutboxMessage
from palm import keys
from palm.jobs import JobQueue
from palm.settings import Settings
from services import jobs
from services.job_table import TABLE


async def test_a_kick_the_broker_cannot_take_is_left_to_the_sweep(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = client.app
    # A queue whose Redis does not answer (nothing listens on port 9): every send fails.
    settings = app[keys.SETTINGS].with_(redis_url="redis://127.0.0.1:9/0")
    dead = JobQueue(settings, app[keys.DEPS], app[keys.JOBS].table)
    with caplog.at_level(logging.WARNING, logger="palm.jobs"):
        await dead.kick([101, 102])  # raises nothing: the bot and the API both rely on that
    assert any("sweep will deliver" in r.getMessage() for r in caplog.records)
    await dead.stop(grace=1.0)


def _enqueued_topics() -> tuple[set[str], list[str]]:
    """Topics passed to ``jobs.add`` anywhere in the code: literal ones, and f-string patterns."""
    root = Path(__file__).resolve().parents[2]
    found: set[str] = set()
    patterns: list[str] = []
    for package in ("services", "handlers", "bot", "palm", "codes"):
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "jobs"
                ):
                    continue
                topic = node.args[0]
                if isinstance(topic, ast.Constant) and isinstance(topic.value, str):
                    found.add(topic.value)
                elif isinstance(topic, ast.Name):  # a module constant such as DROP_TOPIC
                    found.add(getattr(importlib.import_module(module), topic.id))
                elif isinstance(topic, ast.JoinedStr):
                    parts = [
                        re.escape(v.value) if isinstance(v, ast.Constant) else r"\w+"
                        for v in topic.values
                    ]
                    patterns.append("".join(parts))
                else:
                    raise AssertionError(f"{path}:{node.lineno}: a topic this test cannot read")
    return found, patterns


def test_every_topic_added_anywhere_has_a_handler_in_the_table() -> None:
    literal, patterns = _enqueued_topics()
    assert len(literal) >= 10  # the scan found the call sites, it did not pass by finding none
    assert literal <= set(TABLE.handlers), literal - set(TABLE.handlers)
    for pattern in patterns:  # transit.run.{job}: both runs an operator can ask for exist
        assert [t for t in TABLE.handlers if re.fullmatch(pattern, t)], pattern
    assert {"transit.run.settlement", "transit.run.reverification"} <= set(TABLE.handlers)
    assert set(TABLE.handlers) == jobs.TOPICS


async def test_work_under_an_unknown_topic_is_refused_when_added(client: TestClient) -> None:
    with pytest.raises(
        jobs.UnknownTopic, match=re.escape("no handler for topic 'notification.sned'")
    ):
        await jobs.add("notification.sned", {"id": 1}, key="typo")
    assert not await OutboxMessage.filter(key="typo").exists()


async def test_an_unknown_topic_in_the_outbox_fails_visibly(client: TestClient) -> None:
    """A message left by another release under a topic this one has no handler for."""
    message = await OutboxMessage.create(
        topic="retired.topic", key="retired:1", payload={}, available_at=datetime.now(UTC)
    )
    assert await client.app[keys.JOBS].process(message.id) is False
    message = await OutboxMessage.get(id=message.id)
    assert message.done_at is None  # not silently done
    assert message.attempts == 1  # counted: after the last try it is kept as dead
    assert "no handler for topic 'retired.topic'" in (message.last_error or "")


def test_a_table_missing_a_handler_is_refused() -> None:
    handlers = dict(TABLE.handlers)
    del handlers["medical.cache.drop"]
    with pytest.raises(ValueError, match=re.escape("no handler for ['medical.cache.drop']")):
        jobs.JobTable(handlers=handlers, cron=TABLE.cron)  # type: ignore[arg-type]


async def test_the_queue_schedules_each_cron_job_of_its_table(client: TestClient) -> None:
    queue = client.app[keys.JOBS]
    assert queue.table is TABLE
    tasks = queue.broker.get_all_tasks()
    for job in TABLE.cron:
        task = tasks[f"palm.cron.{job.name}"]
        assert task.labels["schedule"] == [{"cron": job.cron}]


async def test_the_stream_broker_declares_a_lost_stream_again(settings: Settings) -> None:
    """A Redis that lost its data (restarted without it, flushed) answers NOGROUP: the receiver
    declares the stream and its group again and goes on, instead of failing for ever."""
    if not settings.redis_url:
        pytest.skip("needs a real Redis")
    from taskiq.message import BrokerMessage

    from palm.jobs import StreamBroker

    queue = f"palm:test-jobs:{uuid.uuid4().hex}"
    broker = StreamBroker(settings.redis_url, queue_name=queue, consumer_group_name="g",
                          xread_block=100)  # fmt: skip
    await broker.startup()
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.delete(queue)  # stream and group gone
        messages = broker.listen()
        first = asyncio.ensure_future(anext(messages))
        await asyncio.sleep(0.3)  # the receiver met NOGROUP and declared them again
        await broker.kick(BrokerMessage(task_id="t", task_name="n", message=b"hello", labels={}))
        received = await asyncio.wait_for(first, timeout=5)
        assert received.data == b"hello"
        await messages.aclose()
    finally:
        await redis.delete(queue)
        await redis.aclose()
        await broker.shutdown()
