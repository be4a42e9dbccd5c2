"""Ride first: a code, verified offline by bus-101, uploaded twice, charged once."""

from __future__ import annotations

import time

from aiohttp.test_utils import TestClient

from codes import text
from codes.device import Device
from codes.validator import OfflineValidator
from tests.helpers import bearer, login, sim
from tests.transit.support import (
    as_bus,
    keyring,
    open_account,
    ride_code,
    settle_today,
    tap,
    trips,
    upload,
)


async def test_resident_rides_and_is_charged_once(client: TestClient) -> None:
    headers, account = await open_account(client, "resident")
    assert account["may_ride"]
    assert account["arrears_fen"] == 0
    code = await ride_code(client, headers)
    assert code["fare_class"] == "full"
    assert code["expires_at"] - time.time() > 50

    ring, _ = await keyring(client)  # all the validator has: no network from here on
    verified = OfflineValidator(ring).check(text.decode(code["code"]), int(time.time()))
    assert verified.subject.text == account["id"]

    one_tap = tap(code["code"])
    first, second = await upload(client, [one_tap]), await upload(client, [one_tap])
    assert (first["new"], second["new"]) == (1, 0)
    [trip] = await trips(client, headers)
    assert (trip["fare_fen"], trip["status"]) == (200, "unsettled")

    await settle_today(client)
    await settle_today(client)  # a second run finds nothing left to charge
    [trip] = await trips(client, headers)
    assert trip["status"] == "settled"
    callbacks = await sim(client, "wechatpay", "GET", "/_sim/notifications")
    assert len(callbacks) == 1  # one deduction for the day
    for _ in range(2):  # WeChat Pay repeats callbacks: the second changes nothing
        resp = await client.post(
            "/api/v1/payments/wechatpay/notify",
            data=callbacks[0]["body"].encode(), headers=callbacks[0]["headers"],
        )  # fmt: skip
        assert resp.status == 204, await resp.text()
    assert (await trips(client, headers))[0]["status"] == "settled"


async def test_a_code_used_on_two_validators_is_flagged(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident")
    code = (await ride_code(client, headers))["code"]
    await upload(client, [tap(code), tap(code, line="7")])  # two readers, two tap ids
    assert len(await trips(client, headers)) == 1
    officer = bearer(await login(client, "officer"))
    day = (await trips(client, headers))[0]["service_date"]
    period = f"from={day}&to={day}"
    resp = await client.get(f"/api/v1/admin/transit/lines?{period}", headers=officer)
    [row] = (await resp.json())["items"]
    assert (row["day"], row["trips"], row["revenue_fen"]) == (day, 1, 200)
    assert row["line"] in ("1", "7")
    resp = await client.get(f"/api/v1/admin/transit/lines/flagged?{period}", headers=officer)
    assert [f["state"] for f in (await resp.json())["items"]] == ["duplicate"]


async def test_phone_codes_offline_with_a_certificate(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident")
    phone = Device.generate()
    import base64

    key = base64.urlsafe_b64encode(phone.public_key).decode().rstrip("=")
    resp = await client.post("/api/v1/transit/device-keys", headers=headers,
                             json={"algorithm": "p256", "public_key": key})  # fmt: skip
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert body["spend_limit_fen"] > 0
    assert body["fare_class"] == "full"
    phone.install(base64.urlsafe_b64decode(body["certificate"] + "=" * 4))
    ring, _ = await keyring(client)
    code = phone.make_code(int(time.time()))  # no network on the phone or the bus
    OfflineValidator(ring).check(code, int(time.time()))
    await upload(client, [tap(text.encode(code))])
    assert (await trips(client, headers))[0]["fare_fen"] == 200


async def test_keyring_is_304_when_current(client: TestClient) -> None:
    ring, _ = await keyring(client)
    resp = await as_bus(client, "GET", f"/api/v1/devices/keyring?version={ring.version}")
    assert resp.status == 304
