"""12345 requests from the chat: filing with consent, progress pushed back and relayed."""

from __future__ import annotations

import asyncio
import json
import re
import time

from aiohttp.test_utils import TestClient

from integrations.signing import signed_headers
from palm import keys
from tests.bot.conftest import WeChat
from tests.helpers import problem, run_jobs, sim


async def _register_callback(client: TestClient) -> None:
    url = str(client.make_url("/api/v1/hotline/callback"))
    await sim(client, "hotline", "POST", "/_sim/callback", json={"url": url})


async def _file(wechat: WeChat, openid: str, text: str, consent: str) -> str:
    prompt = await wechat.say(openid, text)
    assert "将向12345提交" in prompt, prompt
    filed = await wechat.say(openid, consent)
    found = re.search(r"工单号 (WH\d+)", filed)
    assert found, filed
    return found[1]


async def _custom_texts(client: TestClient, openid: str) -> list[str]:
    sent = await sim(client, "wechat", "GET", f"/_sim/custom-messages?touser={openid}")
    return [m["payload"].get("content", "") for m in sent]


async def _platform_ticket(client: TestClient, number: str) -> dict:  # type: ignore[type-arg]
    tickets = await sim(client, "hotline", "GET", "/_sim/tickets")
    return next(t for t in tickets if t["externalId"] == number)


async def test_progress_reaches_the_resident_in_the_chat(
    client: TestClient, wechat: WeChat
) -> None:
    await _register_callback(client)
    openid = "o-hotline-1"
    number = await _file(wechat, openid, "我要反映 海滨路小区路灯不亮", "13900001111")
    await run_jobs(client)  # the outbox submits it
    ticket = await _platform_ticket(client, number)
    assert ticket["status"] == "accepted"
    assert any("已受理" in t and number in t for t in await _custom_texts(client, openid))
    moved = await sim(
        client,
        "hotline",
        "POST",
        f"/_sim/tickets/{ticket['ticketNo']}/progress",
        json={"status": "processing", "note": "已派至环翠区城管局办理"},
    )
    assert moved["delivered"] is True  # our callback took it
    await run_jobs(client)
    texts = await _custom_texts(client, openid)
    assert any("办理中" in t and "环翠区城管局" in t for t in texts), texts
    status = await wechat.say(openid, "工单进度")
    assert number in status
    assert "已受理" in status
    assert "办理中" in status


async def test_consent_decides_whether_a_phone_goes_to_the_platform(
    client: TestClient, wechat: WeChat
) -> None:
    anonymous = await _file(wechat, "o-hotline-2", "投诉：夜间施工噪音扰民", "匿名")
    called = await _file(wechat, "o-hotline-3", "我要反映 公交站牌损坏", "13900002222")
    await run_jobs(client)
    first = await _platform_ticket(client, anonymous)
    second = await _platform_ticket(client, called)
    assert first["externalId"] == anonymous
    assert second["externalId"] == called
    from models.hotline.tickets import Ticket

    assert (await Ticket.get(number=anonymous)).consent is False
    row = await Ticket.get(number=called)
    assert row.consent is True
    assert row.category == "JT"
    assert "13900002222" not in (row.contact_enc or "")  # stored encrypted


async def test_a_resident_is_asked_about_the_bound_phone_and_cancel_files_nothing(
    wechat: WeChat, resident_openid: str
) -> None:
    prompt = await wechat.say(resident_openid, "我要反映")
    assert "请描述" in prompt
    asked = await wechat.say(resident_openid, "小区门口井盖缺失")
    assert "****" in asked
    assert "同意" in asked
    assert "已取消" in await wechat.say(resident_openid, "取消")
    assert await wechat.say(resident_openid, "工单进度") == "没有找到您的工单。"


async def test_outside_the_chat_window_progress_comes_as_a_subscribe_message(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    await _register_callback(client)
    number = await _file(wechat, resident_openid, "我要反映 路边垃圾桶满了没人清理", "同意")
    await run_jobs(client)
    await client.app[keys.DEPS].redis.delete(f"palm:bot:open:{resident_openid}")  # 48 hours pass
    ticket = await _platform_ticket(client, number)
    await sim(
        client,
        "hotline",
        "POST",
        f"/_sim/tickets/{ticket['ticketNo']}/progress",
        json={"status": "replied", "note": "已安排清运"},
    )
    await run_jobs(client)
    sent = await sim(client, "wechat", "GET", f"/_sim/messages?touser={resident_openid}")
    progress = [m for m in sent if m["template_id"] == "tmpl-ticket-progress"]
    assert progress
    assert progress[-1]["data"]["character_string1"] == number
    assert progress[-1]["data"]["phrase2"] == "已办结"


async def test_an_unanswered_question_can_be_filed(wechat: WeChat, client: TestClient) -> None:
    offer = await wechat.say("o-hotline-4", "楼上装修太吵了")
    assert "反映" in offer
    asked = await wechat.say("o-hotline-4", "反映")
    assert "楼上装修太吵了" in asked
    assert "工单号" in await wechat.say("o-hotline-4", "匿名")


async def test_a_slow_answer_arrives_through_the_customer_service_api(
    client: TestClient, wechat: WeChat
) -> None:
    openid = "o-slow-1"
    number = await _file(wechat, openid, "我要反映 道路积水", "匿名")
    await run_jobs(client)
    await sim(client, "hotline", "POST", "/_sim/latency", json={"seconds": 4.6})
    started = time.monotonic()
    assert await wechat.say(openid, "工单进度") == ""  # "success": the answer comes later
    assert time.monotonic() - started < 4.5
    for _ in range(100):
        await run_jobs(client)
        late = [t for t in await _custom_texts(client, openid) if t.startswith(f"工单 {number}")]
        if late:
            break
        await asyncio.sleep(0.1)
    assert late
    assert "已受理" in late[0]


def _push(client: TestClient, payload: dict, *, secret: str | None = None) -> tuple[dict, bytes]:  # type: ignore[type-arg]
    platform = client.app[keys.PLATFORMS]["hotline"]
    if secret is not None:
        from dataclasses import replace

        platform = replace(platform, secret=secret)
    body = json.dumps(payload).encode()
    headers = signed_headers(platform, "POST", "/api/v1/hotline/callback", body)
    return {**headers, "Content-Type": "application/json"}, body


async def test_the_hotline_callback_takes_only_signed_fresh_pushes(
    client: TestClient, wechat: WeChat
) -> None:
    number = await _file(wechat, "o-hotline-5", "我要反映 人行道砖松动", "匿名")
    await run_jobs(client)
    ticket = await _platform_ticket(client, number)
    push = {
        "event": "ticket.progress",
        "ticketNo": ticket["ticketNo"],
        "externalId": number,
        "seq": 2,
        "status": "assigned",
        "note": "",
        "at": "2026-01-05T08:00:00+00:00",
    }
    url = "/api/v1/hotline/callback"
    headers, body = _push(client, push, secret="placeholder-not-ours")
    await problem(await client.post(url, data=body, headers=headers), 403, "bad_signature")
    headers, body = _push(client, push)
    resp = await client.post(url, data=body, headers=headers)
    assert resp.status == 200
    assert (await resp.json())["code"] == 0
    await problem(await client.post(url, data=body, headers=headers), 403, "nonce_reused")
    headers, body = _push(client, push)  # the same event again, freshly signed: no new message
    assert (await client.post(url, data=body, headers=headers)).status == 200
    await run_jobs(client)
    texts = await _custom_texts(client, "o-hotline-5")
    assert sum("已派单" in t for t in texts) == 1
    headers, body = _push(client, {**push, "externalId": "WH000000999999"})
    await problem(await client.post(url, data=body, headers=headers), 404, "ticket_not_found")
    headers, body = _push(client, {"event": "nonsense"})
    await problem(await client.post(url, data=body, headers=headers), 400, "malformed_push")


async def test_a_risky_note_is_never_sent(client: TestClient, wechat: WeChat) -> None:
    await _register_callback(client)
    number = await _file(wechat, "o-hotline-6", "我要反映 有人在公园聚众", "匿名")
    await run_jobs(client)
    ticket = await _platform_ticket(client, number)
    await sim(
        client,
        "hotline",
        "POST",
        f"/_sim/tickets/{ticket['ticketNo']}/progress",
        json={"status": "processing", "note": "涉嫌赌博，已移交公安"},
    )
    await run_jobs(client)
    assert not any("赌博" in t for t in await _custom_texts(client, "o-hotline-6"))
    from models.bot.messages import CustomMessage, CustomMessageStatus

    blocked = await CustomMessage.get(key=f"ticket:{number}:2")
    assert blocked.status == CustomMessageStatus.BLOCKED


async def test_a_lost_push_is_caught_up_by_the_reconciler(
    client: TestClient, wechat: WeChat
) -> None:
    from datetime import UTC, datetime, timedelta

    from models.hotline.tickets import Ticket, TicketStatus
    from services.hotline import progress

    number = await _file(wechat, "o-hotline-7", "我要反映 小区电梯经常停运", "匿名")
    await run_jobs(client)
    ticket = await _platform_ticket(client, number)
    # The platform pushes to an address that does not answer (our callback is down).
    await sim(client, "hotline", "POST", "/_sim/callback", json={"url": "http://127.0.0.1:9/"})
    moved = await sim(
        client,
        "hotline",
        "POST",
        f"/_sim/tickets/{ticket['ticketNo']}/progress",
        json={"status": "assigned", "note": ""},
    )
    assert moved["delivered"] is False  # the push is lost
    await Ticket.filter(number=number).update(updated_at=datetime.now(UTC) - timedelta(hours=2))
    await progress.reconcile(client.app[keys.DEPS])  # the cron job's body
    assert (await Ticket.get(number=number)).status == TicketStatus.ASSIGNED
    await run_jobs(client)
    assert any("已派单" in t for t in await _custom_texts(client, "o-hotline-7"))
