"""The demo closes its own loops: simulators call the app back as their platforms would.

No test here posts a callback by hand: WeChat Pay's notification reaches our notify_url,
signed and encrypted, and the 12345 platform pushes progress to the callback the app wired.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditDefault, CreditPayment
from models.hotline.tickets import Ticket
from models.transit.accounts import TransitPayment
from palm import keys
from palm.public import PublicUrl
from palm.settings import Settings
from tests.bot.conftest import WeChat, wechat
from tests.credit.support import days_pass, headers, waived
from tests.helpers import run_jobs, sim
from tests.transit.support import open_account

__all__ = ["wechat"]  # the bot's fixture: WeChat pushing to our chat callback

NOTIFY = "/api/v1/payments/wechatpay/notify"


async def _until(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


def _ours(client: TestClient, url: str) -> bool:
    """The URL is this test server's own address (a free port, not the 8080 in settings)."""
    return url.startswith(f"http://127.0.0.1:{client.port}/")


async def test_paying_a_default_in_the_simulator_resolves_it(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    waiver_id = await waived(client, librarian, resident, amount=5000)
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver_id}/default",
        json={"amount": 3000, "evidence": "图书损坏"},
        headers=librarian,
    )
    assert resp.status == 200, await resp.text()
    await days_pass(8)
    await run_jobs(client)
    resp = await client.post(f"/api/v1/credit/waivers/{waiver_id}/pay", headers=resident)
    no = (await resp.json())["out_trade_no"]

    paid = await sim(client, "wechatpay", "POST", f"/_sim/transactions/{no}/pay")
    assert paid["notified"] is True  # the resident paid; WeChat Pay told us, and we took it
    assert (await CreditDefault.get()).resolution == "paid"
    assert (await CreditPayment.get(out_trade_no=no)).transaction_id
    [sent] = await sim(client, "wechatpay", "GET", "/_sim/notifications")
    assert _ours(client, sent["url"])
    assert sent["url"].endswith(NOTIFY)
    assert (sent["delivered"], sent["attempts"], sent["last_status"]) == (True, 1, 204)


async def test_a_top_up_is_credited_by_the_notification_alone(client: TestClient) -> None:
    resident, _ = await open_account(client, "resident", method="prepaid")
    resp = await client.post("/api/v1/transit/account/top-up", headers=resident,
                             json={"amount_fen": 1000})  # fmt: skip
    no = (await resp.json())["out_trade_no"]
    await sim(client, "wechatpay", "POST", f"/_sim/transactions/{no}/pay")
    account = await (await client.get("/api/v1/transit/account", headers=resident)).json()
    assert account["balance_fen"] == 1000
    assert (await TransitPayment.get(out_trade_no=no)).status == "succeeded"


async def test_a_held_notification_is_retried_until_taken(client: TestClient) -> None:
    resident, _ = await open_account(client, "resident", method="prepaid")
    resp = await client.post("/api/v1/transit/account/top-up", headers=resident,
                             json={"amount_fen": 500})  # fmt: skip
    no = (await resp.json())["out_trade_no"]
    await sim(client, "wechatpay", "POST", "/_sim/notifications/hold", json={"hold": True})
    assert (await sim(client, "wechatpay", "POST", f"/_sim/transactions/{no}/pay"))[
        "notified"
    ] is False
    assert (await TransitPayment.get(out_trade_no=no)).status == "pending"
    await sim(client, "wechatpay", "POST", "/_sim/notifications/hold", json={"hold": False})

    async def credited() -> bool:
        return (await TransitPayment.get(out_trade_no=no)).status == "succeeded"

    await _until(credited)


async def test_the_public_url_is_the_setting_or_where_we_listen(
    client: TestClient, settings: Settings
) -> None:
    assert PublicUrl(settings.with_(public_url="https://palm.example.invalid"))() == (
        "https://palm.example.invalid"
    )
    every_interface = settings.with_(host="0.0.0.0", port=9000)  # noqa: S104
    assert PublicUrl(every_interface)() == "http://127.0.0.1:9000"
    public = client.app[keys.PUBLIC_URL]
    assert public() == "http://127.0.0.1:8080"  # HOST and PORT, until a request shows the port
    await client.get("/healthz")
    assert public() == f"http://127.0.0.1:{client.port}"


async def test_12345_progress_arrives_by_itself(client: TestClient, wechat: WeChat) -> None:
    openid = "o-loops-1"
    assert "将向12345提交" in await wechat.say(openid, "我要反映 海滨路小区路灯不亮")
    found = re.search(r"工单号 (WH\d+)", await wechat.say(openid, "匿名"))
    assert found
    await run_jobs(client)  # the outbox submits it
    tickets = await sim(client, "hotline", "GET", "/_sim/tickets")
    ticket = next(t for t in tickets if t["externalId"] == found[1])
    moved = await sim(client, "hotline", "POST", f"/_sim/tickets/{ticket['ticketNo']}/progress",
                      json={"status": "processing", "note": ""})  # fmt: skip
    assert moved["delivered"] is True  # nobody registered a callback: the app wired its own
    [push] = await sim(client, "hotline", "GET", "/_sim/pushes")
    assert push["delivered"] is True
    assert (await Ticket.get(number=found[1])).status == "processing"
