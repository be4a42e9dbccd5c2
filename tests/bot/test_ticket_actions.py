"""A resident's 12345 tickets over HTTP: the paged list, follow-ups, chasing and rating, each
reaching the hotline simulator, which enforces the platform's rules on its own."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.bot.conftest import WeChat
from tests.helpers import problem, run_jobs, sim

BASE = "/api/v1/hotline/tickets"


async def _file(
    wechat: WeChat, openid: str, text: str, *, submit: bool = True, consent: str = "同意"
) -> str:
    assert "将向12345提交" in await wechat.say(openid, f"我要反映 {text}")
    filed = await wechat.say(openid, consent)
    found = re.search(r"工单号 (WH\d+)", filed)
    assert found, filed
    if submit:
        await run_jobs(wechat.client)
    return found[1]


async def _platform(client: TestClient, number: str) -> dict[str, Any]:
    tickets = await sim(client, "hotline", "GET", "/_sim/tickets")
    return next(t for t in tickets if t["externalId"] == number)  # type: ignore[no-any-return]


async def _move(client: TestClient, number: str, status: str) -> None:
    ticket_no = (await _platform(client, number))["ticketNo"]
    path = f"/_sim/tickets/{ticket_no}/progress"
    await sim(client, "hotline", "POST", path, json={"status": status, "note": ""})


async def test_the_list_pages_and_shows_only_the_residents_own(
    client: TestClient, wechat: WeChat, resident_openid: str, as_persona: Any
) -> None:
    numbers = [await _file(wechat, resident_openid, f"第{n}处路灯不亮") for n in range(3)]
    await _file(wechat, "o-someone-else", "别人的工单", consent="匿名")
    me = await as_persona("resident")
    first = await (await client.get(BASE, params={"limit": "2"}, headers=me)).json()
    assert [t["number"] for t in first["items"]] == numbers[::-1][:2]
    assert first["items"][0]["status"] == "accepted"
    assert first["items"][0]["status_text"] == "已受理"
    params = {"limit": "2", "cursor": first["next_cursor"]}
    second = await (await client.get(BASE, params=params, headers=me)).json()
    assert [t["number"] for t in second["items"]] == [numbers[0]]
    assert second["next_cursor"] is None
    detail = await (await client.get(f"{BASE}/{numbers[0]}", headers=me)).json()
    assert detail["description"] == "第0处路灯不亮"
    assert [s["status"] for s in detail["steps"]] == ["accepted"]
    elder = await as_persona("elder")
    assert (await (await client.get(BASE, headers=elder)).json())["items"] == []
    await problem(await client.get(f"{BASE}/{numbers[0]}", headers=elder), 404, "ticket_not_found")
    await problem(await client.get(f"{BASE}/not-a-number", headers=me), 404, "ticket_not_found")
    for bad in ({"limit": "0"}, {"limit": "201"}, {"cursor": "x" * 201}):
        await problem(await client.get(BASE, params=bad, headers=me), 422, "validation_failed")
    await problem(await client.get(BASE, params={"cursor": "bad"}, headers=me), 400,
                  "invalid_cursor")  # fmt: skip


async def test_a_follow_up_reaches_the_platform(
    client: TestClient, wechat: WeChat, resident_openid: str, as_persona: Any
) -> None:
    number = await _file(wechat, resident_openid, "小区门口井盖缺失")
    me = await as_persona("resident")
    url = f"{BASE}/{number}/follow-ups"
    resp = await client.post(url, json={"text": "井盖在3号楼东侧，晚上很危险"}, headers=me)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["status"] == "sent"
    sent = (await _platform(client, number))["actions"]
    assert [a["content"] for a in sent] == ["井盖在3号楼东侧，晚上很危险"]
    await problem(await client.post(url, json={"text": ""}, headers=me), 422, "validation_failed")
    long = {"text": "长" * 501}
    await problem(await client.post(url, json=long, headers=me), 422, "validation_failed")
    # The platform closed it and the push was lost (our callback did not answer): its
    # refusal is answered, and kept.
    await sim(client, "hotline", "POST", "/_sim/callback", json={"url": "http://127.0.0.1:9/"})
    await _move(client, number, "closed")
    resp = await client.post(url, json={"text": "还有一处"}, headers=me)
    await problem(resp, 409, "ticket_closed")
    detail = await (await client.get(f"{BASE}/{number}", headers=me)).json()
    assert [a["status"] for a in detail["actions"]] == ["sent", "refused"]
    await problem(await client.post(url, json={"text": "再补充"}, headers=me), 409, "ticket_closed")


async def test_an_outage_queues_the_follow_up_and_a_job_sends_it_once(
    client: TestClient, wechat: WeChat, resident_openid: str, as_persona: Any
) -> None:
    number = await _file(wechat, resident_openid, "公交站牌损坏")
    me = await as_persona("resident")
    await sim(client, "hotline", "POST", "/_sim/faults", json={"mode": "fail"})
    resp = await client.post(f"{BASE}/{number}/follow-ups", json={"text": "在海滨路站"}, headers=me)
    assert resp.status == 201
    assert (await resp.json())["status"] == "pending"
    await sim(client, "hotline", "POST", "/_sim/faults", json={"mode": "off"})
    await run_jobs(client)
    detail = await (await client.get(f"{BASE}/{number}", headers=me)).json()
    assert [a["status"] for a in detail["actions"]] == ["sent"]
    assert len((await _platform(client, number))["actions"]) == 1


async def test_a_ticket_not_yet_with_the_platform_waits(
    client: TestClient, wechat: WeChat, resident_openid: str, as_persona: Any
) -> None:
    await sim(client, "hotline", "POST", "/_sim/faults", json={"mode": "fail"})
    number = await _file(wechat, resident_openid, "路面塌陷", submit=False)
    me = await as_persona("resident")
    resp = await client.post(f"{BASE}/{number}/follow-ups", json={"text": "更严重了"}, headers=me)
    await problem(resp, 409, "ticket_not_submitted")
    await problem(await client.post(f"{BASE}/{number}/chase", headers=me), 409,
                  "ticket_not_submitted")  # fmt: skip
    await sim(client, "hotline", "POST", "/_sim/faults", json={"mode": "off"})


async def test_chasing_only_after_a_day_without_progress(
    client: TestClient, wechat: WeChat, resident_openid: str, as_persona: Any
) -> None:
    number = await _file(wechat, resident_openid, "楼下餐馆油烟扰民")
    me = await as_persona("resident")
    url = f"{BASE}/{number}/chase"
    await problem(await client.post(url, headers=me), 409, "too_early_to_chase")
    ticket_no = (await _platform(client, number))["ticketNo"]
    await sim(client, "hotline", "POST", f"/_sim/tickets/{ticket_no}/age", json={"hours": 25})
    resp = await client.post(url, headers=me)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["kind"] == "chase"
    await problem(await client.post(url, headers=me), 409, "too_early_to_chase")  # once a day
    assert [a["actionNo"] for a in (await _platform(client, number))["actions"]]
    await _move(client, number, "replied")
    await sim(client, "hotline", "POST", f"/_sim/tickets/{ticket_no}/age", json={"hours": 25})
    await problem(await client.post(url, headers=me), 409, "ticket_answered")


async def test_rating_once_and_only_after_the_answer(
    client: TestClient, wechat: WeChat, resident_openid: str, as_persona: Any
) -> None:
    number = await _file(wechat, resident_openid, "小区垃圾没人清运")
    me = await as_persona("resident")
    url = f"{BASE}/{number}/rating"
    await problem(await client.post(url, json={"score": 5}, headers=me), 409, "not_answered")
    await _move(client, number, "replied")  # no callback registered: we learn it by asking
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": 5, "comment": "x" * 501}):
        await problem(await client.post(url, json=bad, headers=me), 422, "validation_failed")
    resp = await client.post(url, json={"score": 4, "comment": "处理及时"}, headers=me)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["score"] == 4
    await problem(await client.post(url, json={"score": 1}, headers=me), 409, "already_rated")
    rated = [a for a in (await _platform(client, number))["actions"] if a["kind"] == "rating"]
    assert [(a["satisfaction"], a["comment"]) for a in rated] == [(4, "处理及时")]
    detail = await (await client.get(f"{BASE}/{number}", headers=me)).json()
    assert detail["status"] == "replied"
    assert [(a["kind"], a["score"]) for a in detail["actions"]] == [("rating", 4)]


async def test_the_chat_takes_follow_ups_chases_and_ratings(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    number = await _file(wechat, resident_openid, "路边共享单车乱停")
    added = await wechat.say(resident_openid, f"补充 {number}：在市政府东门")
    assert f"已补充到工单 {number}" in added
    assert "暂不能催办" in await wechat.say(resident_openid, "催办")
    assert "办结后才能评价" in await wechat.say(resident_openid, "评价 5")
    await _move(client, number, "replied")
    assert "感谢评价" in await wechat.say(resident_openid, f"评价 {number} 5分 很满意")
    assert "已评价过" in await wechat.say(resident_openid, "评价 3")
    kinds = [a["kind"] for a in (await _platform(client, number))["actions"]]
    assert kinds == ["follow_up", "rating"]
