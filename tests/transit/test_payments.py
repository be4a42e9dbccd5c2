"""WeChat Pay callbacks: a forged one is refused, a real one applied once; prepaid top-ups."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from models.transit.accounts import TransitPayment
from tests.helpers import sim
from tests.transit.support import open_account, ride_code, tap, trips, upload


async def _post(client: TestClient, callback: dict[str, object]) -> int:
    resp = await client.post("/api/v1/payments/wechatpay/notify",
                             data=str(callback["body"]).encode(), headers=callback["headers"])  # type: ignore[arg-type]  # fmt: skip
    return resp.status


async def test_top_up_is_credited_by_the_real_callback_only(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident", method="prepaid")
    resp = await client.post("/api/v1/transit/account/top-up", headers=headers,
                             json={"amount_fen": 1000})  # fmt: skip
    assert resp.status == 201, await resp.text()
    order = await resp.json()
    assert order["payment"]["signType"] == "RSA"
    assert order["payment"]["paySign"]
    no = order["out_trade_no"]
    # Held back: this test posts the callbacks itself, forged and tampered ones first.
    await sim(client, "wechatpay", "POST", "/_sim/notifications/hold", json={"hold": True})
    await sim(client, "wechatpay", "POST", f"/_sim/transactions/{no}/pay")

    forged = await sim(client, "wechatpay", "POST", "/_sim/notifications/forged",
                       json={"out_trade_no": no})  # fmt: skip
    assert await _post(client, forged) == 401
    tampered = (await sim(client, "wechatpay", "GET", "/_sim/notifications"))[0]
    assert await _post(client, {**tampered, "body": tampered["body"].replace("2", "3", 1)}) == 401
    account = await (await client.get("/api/v1/transit/account", headers=headers)).json()
    assert account["balance_fen"] == 0

    real = (await sim(client, "wechatpay", "GET", "/_sim/notifications"))[0]
    assert [await _post(client, real) for _ in range(2)] == [204, 204]
    account = await (await client.get("/api/v1/transit/account", headers=headers)).json()
    assert account["balance_fen"] == 1000
    assert (await TransitPayment.get(out_trade_no=no)).status == "succeeded"

    await upload(client, [tap((await ride_code(client, headers))["code"])])
    [trip] = await trips(client, headers)
    assert trip["status"] == "settled"
    account = await (await client.get("/api/v1/transit/account", headers=headers)).json()
    assert account["balance_fen"] == 800
