"""The circuit breaker's states, on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import fakeredis
import pytest
from redis.asyncio import Redis

from services.medical.breaker import CircuitBreaker, CircuitOpen


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client: Redis = fakeredis.FakeAsyncRedis()
    yield client
    await client.aclose()


def _breaker(redis: Redis) -> CircuitBreaker:
    return CircuitBreaker(redis, "test", failures=3, cooldown=30)


async def test_consecutive_failures_open_it(redis: Redis) -> None:
    breaker = _breaker(redis)
    assert await breaker.failed(1000) is None
    await breaker.succeeded()  # a success in between starts the count again
    assert await breaker.failed(1000) is None
    assert await breaker.failed(1001) is None
    assert await breaker.failed(1002) == 30
    with pytest.raises(CircuitOpen) as caught:
        await breaker.before_call(1010)
    assert caught.value.retry_after == 22


async def test_one_trial_after_the_cooldown(redis: Redis) -> None:
    breaker, other_process = _breaker(redis), _breaker(redis)
    for _ in range(3):
        await breaker.failed(1000)
    await breaker.before_call(1031)  # the trial call may go
    with pytest.raises(CircuitOpen):
        await other_process.before_call(1031)  # everyone else waits for its outcome
    assert await breaker.failed(1032) == 30  # the trial failed: open again
    with pytest.raises(CircuitOpen):
        await breaker.before_call(1040)
    await breaker.before_call(1063)
    await breaker.succeeded()
    await other_process.before_call(1064)  # closed for everyone


async def test_one_sources_failures_count_once(redis: Redis) -> None:
    breaker = _breaker(redis)
    for _ in range(10):  # one caller's request the platform chokes on, again and again
        assert await breaker.failed(1000, source="resident-a") is None
    await breaker.before_call(1001)
    assert await breaker.failed(1001, source="resident-b") is None
    assert await breaker.failed(1002, source="resident-c") == 30  # three callers: unhealthy
    with pytest.raises(CircuitOpen):
        await breaker.before_call(1003)


async def test_a_sourced_failure_of_the_trial_lets_the_next_caller_try(redis: Redis) -> None:
    breaker = _breaker(redis)
    for _ in range(3):
        await breaker.failed(1000)
    await breaker.before_call(1031)
    assert await breaker.failed(1031, source="resident-a") is None  # not reopened
    await breaker.before_call(1032)  # the next caller makes the trial
    assert await breaker.failed(1032) == 30  # a timeout: open again
