"""Run platform simulators on loopback: in-process for embedded URLs, or alone for a developer.

A simulator calls the app back as its platform would: WeChat Pay posts each payment result to
the order's ``notify_url``; the 12345 platform pushes ticket progress to the address a tenant
registers in its console, which here is the app's public URL plus ``CALLBACK_PATHS``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

from aiohttp import web

from integrations.base import Platform
from palm.settings import Settings

log = logging.getLogger("palm.simulators")

AppUrl = Callable[[], str]

# Each platform's simulator, imported only when it is started: a process whose platforms are
# all real loads no simulator and none of the simulated world.
SIMULATORS: dict[str, str] = {
    "wechat": "integrations.wechat.sim.server",
    "aishandong": "integrations.aishandong.sim.server",
    "talent": "integrations.talent.sim.server",
    "credit": "integrations.credit.sim.server",
    "health": "integrations.health.sim.server",
    "hotline": "integrations.hotline.sim.server",
    "wechatpay": "integrations.wechatpay.sim.server",
}

# Platforms that push to an address registered once, and our route for each.
CALLBACK_PATHS = {"hotline": "/api/v1/hotline/callback"}


def _build(platform: Platform, app_url: AppUrl | None) -> web.Application:
    create = importlib.import_module(SIMULATORS[platform.name]).create_simulator
    path = CALLBACK_PATHS.get(platform.name)
    if path is None or app_url is None:
        app: web.Application = create(platform)
    else:
        app = create(platform, push_to=lambda: app_url() + path)
    return app


@asynccontextmanager
async def running(
    settings: Settings, *, only_embedded: bool = True, port: int = 0, app_url: AppUrl | None = None
) -> AsyncIterator[dict[str, Platform]]:
    """Start simulators; yield every platform with the URL to reach it by.

    With ``port`` 0 each simulator takes a free port; otherwise they take consecutive ports
    from ``port`` in the order of ``settings.platforms``. ``app_url`` is where they call the
    app back.
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
