"""A simulator of the provincial health platform: the same signing and error rules."""

from __future__ import annotations

from aiohttp import web

from integrations.base import Platform
from integrations.simulator import signed_requests, simulator_app


def create_simulator(platform: Platform) -> web.Application:
    """The platform as seen by our app id (operations being built under issue 7)."""
    return simulator_app(signed_requests({platform.app_id: platform.secret}))
