"""Playing the validator bus-101 and the phone, for the transit tests."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from codes.document import open_document
from codes.keyring import Keyring
from integrations.simworld import openid_for
from models.identity.devices import Device, DeviceKind
from palm import keys
from services.demo import device_key_path
from services.identity import devices
from tests.helpers import bearer, login, run_jobs


def bus_key(client: TestClient) -> ec.EllipticCurvePrivateKey:
    pem = device_key_path(client.app[keys.SETTINGS].data_dir, "bus-101").read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


async def as_bus(
    client: TestClient, method: str, path: str, body: Any = None, *,
    device: tuple[str, ec.EllipticCurvePrivateKey] | None = None, lower: bool = False,
    extra: dict[str, str] | None = None,
) -> ClientResponse:  # fmt: skip
    """A request signed by validator bus-101 (or ``device``); ``lower``: header names as HTTP/2."""
    code, key = device or ("bus-101", bus_key(client))
    raw = b"" if body is None else json.dumps(body).encode()
    headers = devices.sign_request(key, code, method, path, raw, nonce=secrets.token_urlsafe(16))
    if lower:
        headers = {name.lower(): value for name, value in headers.items()}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return await client.request(method, path, data=raw or None, headers=headers | (extra or {}))


async def validator(code: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """Register another bus validator (as the transit company's enrolment would)."""
    key, public = devices.generate_key()
    await Device.create(code=code, kind=DeviceKind.BUS_VALIDATOR, public_key=public)
    return code, key


async def keyring(client: TestClient, version: int | None = None) -> tuple[Keyring, bytes]:
    path = "/api/v1/devices/keyring" + (f"?version={version}" if version is not None else "")
    resp = await as_bus(client, "GET", path)
    assert resp.status == 200, await resp.text()
    body = await resp.read()
    return open_document(body), body


async def open_account(
    client: TestClient, persona: str, *, member: str = "self", method: str = "deduction"
) -> tuple[dict[str, str], dict[str, Any]]:
    headers = bearer(await login(client, persona))
    resp = await client.post("/api/v1/transit/account", headers=headers,
                             json={"member": member, "payment_method": method,
                                   "accept_terms": True})  # fmt: skip
    assert resp.status == 201, await resp.text()
    return headers, await resp.json()


async def ride_code(client: TestClient, headers: dict[str, str], member: str = "self") -> Any:
    resp = await client.get(f"/api/v1/transit/code?member={member}", headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def tap(
    code: str, *, line: str = "1", at: datetime | None = None, tap_id: str | None = None
) -> dict[str, Any]:
    return {"tap_id": tap_id or f"bus-101:{uuid.uuid4().hex}", "code": code, "line": line,
            "vehicle": "鲁K-01234", "stop": "火车站", "shown_result": "ok",
            "tapped_at": (at or datetime.now(UTC)).isoformat()}  # fmt: skip


async def upload(
    client: TestClient, taps: list[dict[str, Any]], *,
    device: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
) -> dict[str, Any]:  # fmt: skip
    resp = await as_bus(client, "POST", "/api/v1/devices/taps", {"taps": taps}, device=device)
    assert resp.status == 202, await resp.text()
    body: dict[str, Any] = await resp.json()
    await run_jobs(client)
    return body


async def trips(client: TestClient, headers: dict[str, str], member: str = "self") -> list[Any]:
    resp = await client.get(f"/api/v1/transit/trips?member={member}", headers=headers)
    assert resp.status == 200, await resp.text()
    items: list[Any] = (await resp.json())["items"]
    return items


async def settle_today(client: TestClient) -> None:
    officer = bearer(await login(client, "officer"))
    resp = await client.post("/api/v1/admin/transit/runs", headers=officer,
                             json={"job": "settlement", "through": _weihai_today()})  # fmt: skip
    assert resp.status == 204, await resp.text()
    await run_jobs(client)


def _weihai_today() -> str:
    from services.transit.fares import service_date

    return service_date(datetime.now(UTC)).isoformat()


def openid(client: TestClient, persona: str) -> str:
    return openid_for(client.app[keys.PLATFORMS]["wechat"].app_id, persona)
