"""Devices (bus validators): signed requests with each device's own key."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from palm import keys
from palm.api import Api, ApiModel

api = Api("devices")


class DeviceClock(ApiModel):
    device: str
    kind: str
    server_time: datetime


@api.get("/api/v1/devices/clock", auth="device", response=DeviceClock)
async def device_clock(request: web.Request) -> DeviceClock:
    """Who the server takes this device to be, and the server's time (validators sync to it)."""
    device = request[keys.DEVICE]
    return DeviceClock(device=device.code, kind=device.kind, server_time=datetime.now(UTC))
