"""Helpers for the talent tests: codes, redemptions, platform records, pictures."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from PIL import Image

from integrations.simworld import PERSONAS, openid_for
from palm import keys
from tests.helpers import make_id_number, sim

REDEMPTIONS = "/api/v1/merchant/talent/redemptions"


async def card_code(client: TestClient, headers: dict[str, str], card: str | None = None) -> str:
    """A live code for the caller's card (or a family sub-card)."""
    params = {"card": card} if card else {}
    resp = await client.get("/api/v1/talent/card/code", headers=headers, params=params)
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["code"])


async def redeem(
    client: TestClient, headers: dict[str, str], code: str, benefit: str = "liugong-island-entry"
) -> ClientResponse:
    return await client.post(REDEMPTIONS, json={"code": code, "benefit": benefit}, headers=headers)


async def set_record(client: TestClient, persona: str, **fields: Any) -> None:
    """Change what the talent platform holds on a persona (each change enters its feed)."""
    number = PERSONAS[persona].id_number
    await sim(client, "talent", "POST", "/_sim/talents", json={"id_number": number, **fields})


def picture(kind: str = "PNG", size: tuple[int, int] = (64, 48)) -> str:
    """A small image as base64, as the mini-program uploads it."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return base64.b64encode(out.getvalue()).decode()


def claimed_size_png(width: int, height: int) -> str:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""
    raw = bytearray(base64.b64decode(picture("PNG", (1, 1))))
    ihdr = raw.index(b"IHDR")
    raw[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(raw[ihdr : ihdr + 17]))
    raw[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return base64.b64encode(bytes(raw)).decode()


async def upload(client: TestClient, headers: dict[str, str], data: str) -> ClientResponse:
    return await client.post("/api/v1/talent/evidence", json={"data": data}, headers=headers)


async def messages(client: TestClient, persona: str) -> list[dict[str, Any]]:
    """Subscribe messages the WeChat simulator delivered to a persona."""
    openid = openid_for(client.app[keys.PLATFORMS]["wechat"].app_id, persona)
    sent: list[dict[str, Any]] = await sim(
        client, "wechat", "GET", f"/_sim/messages?touser={openid}"
    )
    return sent


async def relative(
    client: TestClient, key: str, name: str, birth: str, *, relation: str, seq: int
) -> dict[str, str]:
    """Register a person in the talent persona's household (爱山东); the body to add them."""
    number = make_id_number(birth.replace("-", ""), seq, area="371082")
    person = {
        "key": key,
        "name": name,
        "id_number": number,
        "birth_date": birth,
        "sex": "M" if seq % 2 else "F",
        "phone": None,
        "household_id": PERSONAS["talent"].household_id,
    }
    await sim(client, "aishandong", "POST", "/_sim/people", json=person)
    return {"relation": relation, "name": name, "id_number": number}
