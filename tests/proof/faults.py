"""Shared by the fault tests: our own Redis, quick platform timeouts, and requests that must be
answered in time with a success or a 503 problem carrying Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace

import pytest
from aiohttp import ClientResponse

from palm.settings import RateLimits, Settings
from services.ratelimit import Limit
from tests.helpers import problem
from tests.proof import procs

# A request must be answered well within this, outage or not.
ANSWER_WITHIN = 6.0
VALUES = {"thing1": "威海英才卡", "phrase2": "已通过", "thing3": "请在小程序中查看",
          "time4": "2026-11-27 10:00"}  # fmt: skip


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[procs.RedisServer]:
    with procs.redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def settings(base_settings: Settings, redis_server: procs.RedisServer) -> Settings:
    """The suite's database, our own Redis, platforms that give up after one second, and rate
    limits out of the way of the request loops."""
    quick = {name: replace(getattr(base_settings, name), timeout=1.0)
             for name in ("wechat", "aishandong")}  # fmt: skip
    limits = RateLimits(ip=Limit(10**6, 60), login=Limit(10**6, 60))
    return base_settings.with_(redis_url=redis_server.url, rate_limits=limits, **quick)


async def answered(call: Awaitable[ClientResponse]) -> ClientResponse:
    """The response, which must come in time and be a success or a 503 problem with Retry-After."""
    resp = await asyncio.wait_for(call, ANSWER_WITHIN)
    await resp.read()
    if resp.status >= 300:
        await problem(resp, 503, (await resp.json(content_type=None))["code"])
        assert int(resp.headers["Retry-After"]) > 0
    return resp


@contextlib.asynccontextmanager
async def hammering(
    request: Callable[[int], Awaitable[ClientResponse]], statuses: list[int]
) -> AsyncIterator[None]:
    """Send requests one after another for as long as the block runs; record their statuses."""
    stop = asyncio.Event()

    async def loop() -> None:
        n = 0
        while not stop.is_set():
            statuses.append((await answered(request(n))).status)
            n += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.3)
    try:
        yield
    finally:
        stop.set()
        await task


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await check():
        assert loop.time() < deadline, "did not recover in time"
        await asyncio.sleep(0.2)
