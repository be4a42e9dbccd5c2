"""Questions in the chat answered from the knowledge base, in the resident's language."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.bot.conftest import WeChat


async def test_an_answer_quotes_the_article_and_its_source(wechat: WeChat) -> None:
    answer = await wechat.say("o-qa-1", "65岁以上的老人坐公交免费吗")
    assert answer.startswith("【65岁以上老人免费乘公交】")
    assert "来源：威政办发〔2025〕11号 第26项" in answer
    assert "更新于" in answer


async def test_english_questions_get_english_answers(wechat: WeChat) -> None:
    answer = await wechat.say("o-qa-2", "is the bus free for people over 65?")
    assert answer.startswith("【Free buses from age 65】")
    assert "Source:" in answer
    assert "ride city buses free" in answer


async def test_a_related_article_is_one_number_away(wechat: WeChat) -> None:
    answer = await wechat.say("o-qa-3", "英才卡快到期了怎么延期")
    first_related = answer.split("1. ", 1)[1].splitlines()[0]
    picked = await wechat.say("o-qa-3", "1")
    assert picked.startswith(f"【{first_related}】")


async def test_unknown_questions_get_an_offer_to_file(wechat: WeChat) -> None:
    answer = await wechat.say("o-qa-4", "附近有什么好吃的")
    assert "回答不了" in answer
    assert "12345" in answer


async def test_operators_edits_answer_at_once(
    client: TestClient, wechat: WeChat, as_persona
) -> None:  # type: ignore[no-untyped-def]
    officer = await as_persona("officer")
    url = "/api/v1/admin/kb/articles/waiver-library"
    before = await (await client.get(url, headers=officer)).json()
    assert before["origin"] == "file"
    assert not before["hidden"]
    edited = {
        k: before[k] for k in ("title", "title_en", "body_en", "service", "source", "keywords")
    }
    edited["body"] = "图书馆借书免押金，本周六起周末延长开放至晚上9点。"
    resp = await client.put(url, json=edited, headers=officer)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["origin"] == "edited"
    assert "晚上9点" in await wechat.say("o-qa-5", "去图书馆借书还要交押金吗")
    new = {
        **edited,
        "title": "威海市民卡挂失",
        "body": "市民卡丢失请拨打96588挂失。",
        "title_en": "",
        "body_en": "",
        "keywords": ["市民卡", "挂失"],
        "service": "general",
    }
    resp = await client.put(
        "/api/v1/admin/kb/articles/citizen-card-lost", json=new, headers=officer
    )
    assert resp.status == 200
    assert (await resp.json())["origin"] == "operator"
    assert "96588" in await wechat.say("o-qa-5", "威海市民卡挂失电话")
    assert (await client.delete(url, headers=officer)).status == 204
    hidden = await wechat.say("o-qa-5", "去图书馆借书还要交押金吗")
    assert not hidden.startswith("【图书馆借书免押金】")
    reverted = await client.post(f"{url}/revert", headers=officer)
    assert (await reverted.json())["origin"] == "file"
    assert "借阅台出示小程序码" in await wechat.say("o-qa-5", "去图书馆借书还要交押金吗")


async def test_only_operators_edit_and_slugs_are_checked(client: TestClient, as_persona) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import problem

    resident = await as_persona("resident")
    await problem(
        await client.get("/api/v1/admin/kb/articles", headers=resident), 403, "forbidden_role"
    )
    officer = await as_persona("officer")
    listing = await (await client.get("/api/v1/admin/kb/articles", headers=officer)).json()
    assert len(listing["items"]) == 50  # a page (tests/bot/test_admin_kb.py walks them all)
    await problem(
        await client.get("/api/v1/admin/kb/articles/Bad Slug", headers=officer), 400, "invalid_slug"
    )
    await problem(
        await client.get("/api/v1/admin/kb/articles/no-such-one", headers=officer),
        404,
        "kb_article_not_found",
    )
    bad = {"title": "x", "body": "y", "service": "weather", "source": "z"}
    resp = await client.put("/api/v1/admin/kb/articles/x-1", json=bad, headers=officer)
    await problem(resp, 422, "validation_failed")


async def test_a_question_outside_the_knowledge_base_is_not_answered(wechat: WeChat) -> None:
    answer = await wechat.say("o-qa-6", "后天威海有雾吗")
    assert not answer.startswith("【")  # no nearest article given as if it were the answer
    assert "12345" in answer
    assert "将向12345提交" in await wechat.say("o-qa-6", "反映")  # and the offer works
