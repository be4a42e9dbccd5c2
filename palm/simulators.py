"""Run platform simulators on loopback: in-process for embedded URLs, or alone for a developer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

from aiohttp import web

from integrations import aishandong, credit, health, hotline, talent, wechat, wechatpay
from integrations.base import Platform
from palm.settings import Settings

log = logging.getLogger("palm.simulators")

SimulatorFactory = Callable[[Platform], web.Application]

FACTORIES: dict[str, SimulatorFactory] = {
    "wechat": wechat.simulator.create_simulator,
    "aishandong": aishandong.simulator.create_simulator,
    "talent": talent.simulator.create_simulator,
    "credit": credit.simulator.create_simulator,
    "health": health.simulator.create_simulator,
    "hotline": hotline.simulator.create_simulator,
    "wechatpay": wechatpay.simulator.create_simulator,
}


@asynccontextmanager
async def running(
    settings: Settings, *, only_embedded: bool = True, port: int = 0
) -> AsyncIterator[dict[str, Platform]]:
    """Start simulators; yield every platform with the URL to reach it by.

    With ``port`` 0 each simulator takes a free port; otherwise they take consecutive ports
    from ``port`` in the order of ``FACTORIES``.
    """
    runners: list[web.AppRunner] = []
    resolved: dict[str, Platform] = {}
    try:
        for offset, platform in enumerate(settings.platforms):
            if only_embedded and not platform.embedded:
                resolved[platform.name] = platform
                continue
            runner = web.AppRunner(FACTORIES[platform.name](platform), access_log=None)
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, settings.simulators_host, port + offset if port else 0)
            await site.start()
            bound = runner.addresses[0][1]
            url = f"http://{settings.simulators_host}:{bound}"
            resolved[platform.name] = replace(platform, base_url=url)
            log.info("simulator %s listening on %s", platform.name, url)
        yield resolved
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
