"""Run platform simulators on loopback: in-process for embedded URLs, or alone for a developer.

A simulator calls the app back as its platform would: WeChat Pay posts each payment result to
the order's ``notify_url``; the 12345 platform pushes ticket progress to the address a tenant
registers in its console, which here is the app's public URL plus ``CALLBACK_PATHS``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

from aiohttp import web

from integrations.aishandong.sim import server as aishandong_sim
from integrations.base import Platform
from integrations.credit.sim import server as credit_sim
from integrations.health.sim import server as health_sim
from integrations.hotline.sim import server as hotline_sim
from integrations.talent.sim import server as talent_sim
from integrations.wechat.sim import server as wechat_sim
from integrations.wechatpay.sim import server as wechatpay_sim
from palm.settings import Settings

log = logging.getLogger("palm.simulators")

SimulatorFactory = Callable[[Platform], web.Application]
AppUrl = Callable[[], str]

FACTORIES: dict[str, SimulatorFactory] = {
    "wechat": wechat_sim.create_simulator,
    "aishandong": aishandong_sim.create_simulator,
    "talent": talent_sim.create_simulator,
    "credit": credit_sim.create_simulator,
    "health": health_sim.create_simulator,
    "hotline": hotline_sim.create_simulator,
    "wechatpay": wechatpay_sim.create_simulator,
}

# Platforms that push to an address registered once, and our route for each.
CALLBACK_PATHS = {"hotline": "/api/v1/hotline/callback"}


def _build(platform: Platform, app_url: AppUrl | None) -> web.Application:
    path = CALLBACK_PATHS.get(platform.name)
    if path is None or app_url is None:
        return FACTORIES[platform.name](platform)
    return hotline_sim.create_simulator(platform, push_to=lambda: app_url() + path)


@asynccontextmanager
async def running(
    settings: Settings, *, only_embedded: bool = True, port: int = 0, app_url: AppUrl | None = None
) -> AsyncIterator[dict[str, Platform]]:
    """Start simulators; yield every platform with the URL to reach it by.

    With ``port`` 0 each simulator takes a free port; otherwise they take consecutive ports
    from ``port`` in the order of ``FACTORIES``. ``app_url`` is where they call the app back.
    """
    runners: list[web.AppRunner] = []
    resolved: dict[str, Platform] = {}
    try:
        for offset, platform in enumerate(settings.platforms):
            if only_embedded and not platform.embedded:
                resolved[platform.name] = platform
                continue
            runner = web.AppRunner(_build(platform, app_url), access_log=None)
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


def table(platforms: Mapping[str, Platform], embedded: set[str], **extra: str) -> str:
    """The addresses, one line each (``extra`` rows first, e.g. the API), for a terminal."""
    rows = [(name, url, "") for name, url in extra.items()]
    rows += [
        (name, p.base_url, "" if name in embedded else " (the real platform)")
        for name, p in platforms.items()
    ]
    width = max(len(name) for name, _, _ in rows)
    lines = [f"{'service':<{width}}   port  url"]
    for name, url, note in rows:
        try:
            port = urlsplit(url).port
        except ValueError:  # not a URL we can read a port from: leave the column empty
            port = None
        lines.append(f"{name:<{width}}  {port or '':>5}  {url}{note}")
    return "\n".join(lines)
