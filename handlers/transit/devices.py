"""Devices (bus validators): signed requests with each device's own key."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel
from palm.lists import Id64
from services.errors import FieldError, ValidationFailed
from services.transit import taps

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


class KeyringQuery(ApiModel):
    version: Id64 | None = Field(default=None, description="The version the validator has")


_ETAG = re.compile(r'"keyring-([0-9]{1,18})"')


@api.get("/api/v1/devices/keyring", auth="device", query=KeyringQuery,
         extra_responses={304: "The validator's version is current"})  # fmt: skip
async def keyring(request: web.Request, query: KeyringQuery) -> web.StreamResponse:
    """The signed keyring: issuer keys and the revocation list (cancelled, in arrears)."""
    known = query.version
    etag = _ETAG.fullmatch(request.headers.get("If-None-Match", ""))
    if known is None and etag:  # anything else is a first download, not an error
        known = int(etag[1])
    document = await request.app[keys.DEPS].codes.document(known, now=int(time.time()))
    if document is None:
        return web.Response(status=304)
    return web.Response(body=document.body, content_type="application/json",
                        headers={"ETag": document.etag})  # fmt: skip


class TapIn(ApiModel):
    tap_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    code: str = Field(min_length=1, max_length=400, description="The QR text as scanned")
    line: str = Field(min_length=1, max_length=16)
    vehicle: str = Field(min_length=1, max_length=32)
    stop: str = Field(min_length=1, max_length=32)
    tapped_at: datetime
    shown_result: str = Field(min_length=1, max_length=32, description="What the reader showed")


class TapBatch(ApiModel):
    taps: list[TapIn] = Field(min_length=1, max_length=taps.MAX_BATCH)


class TapsReceived(ApiModel):
    batch: str
    received: int
    new: int = Field(description="Taps not received before (a retried upload adds none)")
    conflicts: int = Field(description="Known tap ids sent with other content (not priced)")
    conflict_tap_ids: list[str] = Field(
        description="Those tap ids: kept for the transit operator to accept or dismiss"
    )


@api.post("/api/v1/devices/taps", auth="device", body=TapBatch, response=TapsReceived,
          status=202)  # fmt: skip
async def upload_taps(request: web.Request, body: TapBatch) -> TapsReceived:
    """A batch of taps: stored whole or not at all, idempotent by tap id, priced afterwards.

    A tap id this validator sent before with other content is not a repeat: it is kept for
    operators and counted in ``conflicts``.
    """
    if any(t.tapped_at.tzinfo is None for t in body.taps):
        raise ValidationFailed([FieldError("body/taps/tapped_at", "a time zone is required")])
    result = await taps.ingest(request[keys.DEVICE], body.taps, now=datetime.now(UTC))
    return TapsReceived(
        batch=result.batch, received=result.received, new=result.new,
        conflicts=len(result.conflicts), conflict_tap_ids=result.conflicts,
    )  # fmt: skip
