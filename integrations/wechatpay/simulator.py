"""A WeChat Pay v3 simulator (being built under issue 6)."""

from __future__ import annotations

from aiohttp import web

from integrations.base import Platform
from integrations.simulator import simulator_app


def create_simulator(platform: Platform) -> web.Application:
    """WeChat Pay for our merchant id (operations being built under issue 6)."""
    return simulator_app()
