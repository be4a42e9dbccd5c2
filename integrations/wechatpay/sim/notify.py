"""The simulator's payment notifications: POSTed to the order's notify_url, retried until 2xx.

WeChat Pay posts each result to ``notify_url`` and repeats it while the merchant does not
answer 200/204 (15 s, 15 s, 30 s, 3 min … over a day); the simulator keeps that order of
events on a compressed schedule. ``hold`` queues them unsent, like a network partition.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger("palm.simulators.wechatpay")

RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0)
TIMEOUT_SECONDS = 5.0  # WeChat Pay gives the merchant 5 s to answer


@dataclass
class Deliveries:
    """Outgoing notifications: each a dict of url, headers, body, attempts, delivered."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    hold: bool = False
    session: aiohttp.ClientSession | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def post(self, message: dict[str, Any]) -> bool:
        """One attempt; True when the merchant took it (HTTP 200 or 204)."""
        if self.session is None or self.hold or message["delivered"]:
            return bool(message["delivered"])
        message["attempts"] += 1
        try:
            async with self.session.post(
                message["url"], data=message["body"].encode(), headers=message["headers"]
            ) as resp:
                message["last_status"] = resp.status
                message["delivered"] = resp.status in (200, 204)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            message["last_status"] = type(exc).__name__
        return bool(message["delivered"])

    def retry_later(self, message: dict[str, Any]) -> None:
        """Keep trying in the background on the schedule, until taken or given up."""
        task = asyncio.get_running_loop().create_task(self._retry(message))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _retry(self, message: dict[str, Any]) -> None:
        for delay in (0.0, *RETRY_SECONDS):
            await asyncio.sleep(delay)
            if await self.post(message) or self.hold:
                return
        log.warning("notification to %s not taken after %s tries", message["url"],
                    message["attempts"])  # fmt: skip

    def add(self, url: str, callback: dict[str, Any]) -> dict[str, Any]:
        message = {"url": url, **callback, "attempts": 0, "delivered": False, "last_status": None}
        self.sent.append(message)
        return message

    def release(self) -> None:
        """Deliver what was held."""
        for message in self.sent:
            if not message["delivered"]:
                self.retry_later(message)


DELIVERIES = web.AppKey("wechatpay_deliveries", Deliveries)


async def deliveries_ctx(app: web.Application) -> AsyncIterator[None]:
    """The client session notifications go out on; pending retries stop with the simulator."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[DELIVERIES].session = session
        yield
        app[DELIVERIES].session = None
        for task in list(app[DELIVERIES].tasks):
            task.cancel()
        await asyncio.gather(*app[DELIVERIES].tasks, return_exceptions=True)
