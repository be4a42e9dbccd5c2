"""Validators behind HTTP/2 or a proxy send header names in lower case: they are served."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import problem
from tests.transit.support import as_bus, tap


async def test_lower_case_device_headers_are_accepted(client: TestClient) -> None:
    resp = await as_bus(client, "GET", "/api/v1/devices/clock", lower=True)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["device"] == "bus-101"
    resp = await as_bus(client, "GET", "/api/v1/devices/keyring", lower=True)
    assert resp.status == 200, await resp.text()
    resp = await as_bus(client, "POST", "/api/v1/devices/taps", {"taps": [tap("X")]}, lower=True)
    assert resp.status == 202, await resp.text()


async def test_odd_keyring_versions_are_not_a_500(client: TestClient) -> None:
    for etag in ('"keyring-²"', '"keyring-99999999999999999999999"', '"keyring-"'):
        resp = await as_bus(client, "GET", "/api/v1/devices/keyring", extra={"If-None-Match": etag})
        assert resp.status == 200, await resp.text()
    resp = await as_bus(client, "GET", "/api/v1/devices/keyring?version=99999999999999999999")
    await problem(resp, 422, "validation_failed")
