"""The inbox: every notice sent to a resident stays readable in the app, in their language."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp.test_utils import TestClient
from tortoise.transactions import in_transaction

from integrations.simworld import openid_for
from models.identity.residents import Resident
from palm import keys
from services import notifications
from tests.bot.conftest import WeChat, resident_openid, wechat
from tests.credit.support import headers, waived
from tests.helpers import problem, run_jobs, sim

__all__ = ["resident_openid", "wechat"]  # the bot's fixtures

INBOX = "/api/v1/me/inbox"
VALUES = {
    "thing1": "威海英才卡",
    "phrase2": "已通过",
    "thing3": "请在小程序查看",
    "time4": "2026-11-27 10:00",
}
VALUES_EN = {"thing1": "Talent card", "phrase2": "OK", "thing3": "See the app",
             "time4": "2026-11-27 10:00"}  # fmt: skip


async def _resident(client: TestClient, persona: str) -> Resident:
    return await Resident.get(openid=openid_for(client.app[keys.SETTINGS].wechat.app_id, persona))


async def _inbox(client: TestClient, who: dict[str, str], query: str = "") -> dict[str, Any]:
    resp = await client.get(INBOX + query, headers=who)
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def _unread(client: TestClient, who: dict[str, str]) -> int:
    return int((await (await client.get(INBOX + "/unread", headers=who)).json())["unread"])


async def _default_recorded(client: TestClient) -> dict[str, str]:
    """A merchant records a default against the resident: a subscribe message is due."""
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    waiver_id = await waived(client, librarian, resident, amount=5000)
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver_id}/default",
        json={"amount": 3000, "evidence": "图书损坏"},
        headers=librarian,
    )
    assert resp.status == 200, await resp.text()
    return resident


async def test_a_refused_subscribe_message_is_not_lost(client: TestClient) -> None:
    resident = await _resident(client, "resident")
    refuse = {"openid": resident.openid, "template_id": "tmpl-waiver-default", "accept": False}
    await sim(client, "wechat", "POST", "/_sim/subscriptions", json=refuse)
    who = await _default_recorded(client)
    await run_jobs(client)
    [entry] = (await _inbox(client, who))["items"]
    assert (entry["kind"], entry["channel"], entry["delivery"]) == (
        "waiver_default",
        "subscribe",
        "refused",
    )
    assert entry["title"] == "免押违约通知"
    assert "30.00" in entry["body"]
    assert entry["read_at"] is None
    assert entry["lang"] == "zh"
    assert await _unread(client, who) == 1

    other = await headers(client, "elder")
    assert (await _inbox(client, other))["items"] == []  # nobody else sees it
    await problem(await client.post(f"{INBOX}/{entry['id']}/read", headers=other), 404,
                  "notification_not_found")  # fmt: skip
    read = await (await client.post(f"{INBOX}/{entry['id']}/read", headers=who)).json()
    assert read["read_at"] is not None
    again = await (await client.post(f"{INBOX}/{entry['id']}/read", headers=who)).json()
    assert again["read_at"] == read["read_at"]  # reading twice changes nothing
    assert await _unread(client, who) == 0
    assert (await _inbox(client, who, "?unread=true"))["items"] == []


async def test_pages_filters_and_mark_all(client: TestClient) -> None:
    talent = await _resident(client, "talent")
    async with in_transaction():
        for n in range(5):
            await notifications.notify(talent.id, "application_decided", VALUES, key=f"in-{n}")
    who = await headers(client, "talent")
    first = await _inbox(client, who, "?limit=2")
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = await _inbox(client, who, f"?limit=10&cursor={first['next_cursor']}")
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert ids == sorted(ids, reverse=True)
    assert rest["next_cursor"] is None
    assert len((await _inbox(client, who, "?kind=application_decided"))["items"]) == 5
    assert (await _inbox(client, who, "?kind=payment_due"))["items"] == []
    marked = await (await client.post(INBOX + "/read", headers=who)).json()
    assert marked == {"marked": 5}
    assert await _unread(client, who) == 0
    for bad in ("?limit=1000", "?kind=nope", "?limit=-1", "?unread=perhaps"):
        await problem(await client.get(INBOX + bad, headers=who), 422, "validation_failed")
    await problem(await client.get(INBOX + "?cursor=not-a-cursor", headers=who), 400,
                  "invalid_cursor")  # fmt: skip
    for path in ("99999999999999999999", "-1", "x"):
        await problem(await client.post(f"{INBOX}/{path}/read", headers=who), 404,
                      "notification_not_found")  # fmt: skip


async def test_english_readers_get_english_where_it_exists(client: TestClient) -> None:
    talent = await _resident(client, "talent")
    who = await headers(client, "talent")
    resp = await client.patch("/api/v1/me", json={"language": "en"}, headers=who)
    assert (await resp.json())["language"] == "en"
    expiring = {"thing1": "威海英才卡", "date2": "2027-01-01", "thing3": "可在线续期"}
    too_long = {**VALUES_EN, "phrase2": "approved"}  # WeChat's phrase fields take 5 characters
    async with in_transaction():
        await notifications.notify(talent.id, "application_decided", VALUES, key="en-1",
                                   values_en=VALUES_EN)  # fmt: skip
        await notifications.notify(talent.id, "card_expiring", expiring, key="en-2")
        await notifications.notify(talent.id, "application_decided", VALUES, key="en-3",
                                   values_en=too_long)  # fmt: skip
    await run_jobs(client)
    sent = await sim(client, "wechat", "GET", f"/_sim/messages?touser={talent.openid}")

    # Delivered by concurrent jobs: which goes out first is not part of the contract.
    def _of(items: list[dict[str, str]]) -> list[str]:
        return sorted(json.dumps(d, sort_keys=True, ensure_ascii=False) for d in items)

    assert _of([m["data"] for m in sent]) == _of([VALUES_EN, expiring, VALUES])
    third, second, first = (await _inbox(client, who))["items"]
    assert (first["title"], first["lang"]) == ("Application decided", "en")
    assert first["body"] == "Talent card: OK. See the app (2026-11-27 10:00)"
    assert third["body"] == "Talent card: approved. See the app (2026-11-27 10:00)"
    # No English values given: an English title over the Chinese sentence, never a mix.
    assert (second["title"], second["lang"]) == ("Card expiring", "zh")
    assert second["body"] == "威海英才卡将于2027-01-01到期。可在线续期"
    await client.patch("/api/v1/me", json={"language": None}, headers=who)
    zh = (await _inbox(client, who))["items"][2]  # the same row, read in Chinese
    assert (zh["title"], zh["body"]) == (
        "审批结果通知",
        "威海英才卡：已通过。请在小程序查看（2026-11-27 10:00）",
    )
    english = await client.get(INBOX, headers={**who, "Accept-Language": "en-GB,en;q=0.9"})
    assert (await english.json())["items"][2]["title"] == "Application decided"


async def test_a_chat_message_about_a_ticket_joins_the_inbox(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    prompt = await wechat.say(resident_openid, "我要反映 海滨路小区路灯不亮")
    assert "将向12345提交" in prompt
    found = re.search(r"工单号 (WH\d+)", await wechat.say(resident_openid, "匿名"))
    assert found
    await run_jobs(client)  # submitted, accepted: told in the chat, which is open
    who = await headers(client, "resident")
    entries = (await _inbox(client, who))["items"]
    assert [(e["kind"], e["channel"], e["delivery"]) for e in entries] == [
        ("ticket_progress", "message", "sent")
    ]
    assert found[1] in entries[0]["body"]
    assert "已受理" in entries[0]["body"]
