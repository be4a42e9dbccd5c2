"""Fixtures for the outside-platform layer: simulators on loopback and a recording observer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp.plugin import AiohttpServer

from integrations.base import Platform

WECHAT = Platform("wechat", "embedded", "wx-test-appid", "wechat-test-secret", timeout=2.0)
AISHANDONG = Platform("aishandong", "embedded", "palm-test", "aishandong-test-secret", timeout=2.0)


class RecordingObserver:
    def __init__(self) -> None:
        self.records: list[tuple[str, str, str]] = []

    def observe(self, platform: str, operation: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        self.records.append((platform, operation, outcome))


@dataclass
class Sim:
    """A simulator serving on loopback, and the platform settings that point at it."""

    platform: Platform
    session: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return self.platform.base_url + path

    async def control(self, path: str, body: dict[str, Any], method: str = "POST") -> Any:
        async with self.session.request(method, self.url(path), json=body) as response:
            assert response.status < 300, await response.text()
            return await response.json()

    async def get(self, path: str, **query: str) -> Any:
        async with self.session.get(self.url(path), params=query) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def refused(self, path: str, body: dict[str, Any], method: str = "POST") -> int:
        """Send a control call that should be refused; its HTTP status."""
        async with self.session.request(method, self.url(path), json=body) as response:
            assert response.status >= 400, await response.text()
            return response.status

    async def calls(self) -> dict[str, int]:
        async with self.session.get(self.url("/_sim/calls")) as response:
            result: dict[str, int] = await response.json()
            return result

    async def advance(self, seconds: float) -> None:
        await self.control("/_sim/clock", {"advance": seconds})


Serve = Callable[[web.Application, Platform], Awaitable[Sim]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def observer() -> RecordingObserver:
    return RecordingObserver()


@pytest.fixture
def serve(aiohttp_server: AiohttpServer, session: aiohttp.ClientSession) -> Serve:
    """Start ``app`` on a loopback port; the returned platform's base URL points at it."""

    async def start(app: web.Application, platform: Platform) -> Sim:
        server = await aiohttp_server(app)
        base_url = str(server.make_url("")).rstrip("/")
        return Sim(replace(platform, base_url=base_url), session)

    return start
