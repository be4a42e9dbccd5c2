"""Devices sign each request with their own key; timestamps and nonces are checked."""

from __future__ import annotations

import secrets
import time

from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from palm import keys
from services.demo import device_key_path
from services.identity import devices
from tests.helpers import problem

PATH = "/api/v1/devices/clock"


def _key(client: TestClient) -> ec.EllipticCurvePrivateKey:
    pem = device_key_path(client.app[keys.SETTINGS].data_dir, "bus-101").read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _signed(key: ec.EllipticCurvePrivateKey, **kwargs: object) -> dict[str, str]:
    nonce = str(kwargs.pop("nonce", secrets.token_urlsafe(16)))
    return devices.sign_request(key, "bus-101", "GET", PATH, b"", nonce=nonce, **kwargs)  # type: ignore[arg-type]


async def test_signed_request_is_served(client: TestClient) -> None:
    resp = await client.get(PATH, headers=_signed(_key(client)))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["device"] == "bus-101"


async def test_replayed_request_is_refused(client: TestClient) -> None:
    headers = _signed(_key(client))
    assert (await client.get(PATH, headers=headers)).status == 200
    await problem(await client.get(PATH, headers=headers), 401, "device_nonce_reused")


async def test_wrong_key_stale_time_and_missing_headers(client: TestClient) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    await problem(await client.get(PATH, headers=_signed(other)), 401, "device_signature_invalid")
    stale = _signed(_key(client), timestamp=int(time.time()) - 3600)
    await problem(await client.get(PATH, headers=stale), 401, "device_clock_skew")
    await problem(await client.get(PATH), 401, "device_auth_required")
    tampered = _signed(_key(client))
    resp = await client.get(PATH + "?x=1", headers=tampered)
    await problem(resp, 401, "device_signature_invalid")


async def test_a_session_token_is_not_a_device(client: TestClient) -> None:
    resp = await client.get(PATH, headers={"Authorization": "Bearer whatever"})
    await problem(resp, 401, "device_auth_required")
