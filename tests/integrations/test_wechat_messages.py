"""Subscribe and customer-service messages, and content security, through the WeChat simulator."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.simworld import openid_for
from integrations.wechat import ErrCode, WeChatClient, WeChatError
from integrations.wechat.sim.outbox import REVIEW_WORDS, RISKY_WORDS
from integrations.wechat.sim.server import create_simulator
from tests.integrations.conftest import WECHAT, RecordingObserver, Serve, Sim

ELDER = openid_for(WECHAT.app_id, "elder")
TALENT = openid_for(WECHAT.app_id, "talent")
REVIEWED = "TPL-bus-card-review"
RENEWAL = "TPL-talent-card-renewal"
DATA = {"thing1": "公交爱心卡年审已通过", "date2": "2026年11月27日", "phrase3": "免费"}


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(WECHAT), WECHAT)


@pytest.fixture
def wechat(sim: Sim, observer: RecordingObserver) -> WeChatClient:
    return WeChatClient(sim.session, sim.platform, observer)


@pytest.fixture
async def token(wechat: WeChatClient) -> str:
    return (await wechat.fetch_access_token()).token


async def errcode_of(call: Any) -> int:
    with pytest.raises(WeChatError) as caught:
        await call
    assert caught.value.code == caught.value.errcode
    return caught.value.errcode


async def test_subscribe_message_is_recorded(
    wechat: WeChatClient, sim: Sim, token: str, observer: RecordingObserver
) -> None:
    await wechat.send_subscribe_message(token, ELDER, REVIEWED, DATA, page="pages/transit/card")
    await wechat.send_subscribe_message(token, TALENT, RENEWAL, {"thing1": "英才卡即将到期"})
    sent = await sim.get("/_sim/messages", touser=ELDER)
    assert len(sent) == 1
    assert sent[0]["sent_at"] > 0
    assert {k: v for k, v in sent[0].items() if k != "sent_at"} == {
        "touser": ELDER,
        "template_id": REVIEWED,
        "page": "pages/transit/card",
        "data": DATA,
    }
    assert [m["page"] for m in await sim.get("/_sim/messages", touser=TALENT)] == [None]
    assert len(await sim.get("/_sim/messages")) == 2
    assert observer.records[-1] == ("wechat", "subscribe.send", "ok")


async def test_user_who_has_not_accepted_is_refused(
    wechat: WeChatClient, sim: Sim, token: str
) -> None:
    choice = {"openid": ELDER, "template_id": REVIEWED, "accept": False}
    await sim.control("/_sim/subscriptions", choice)
    refused = wechat.send_subscribe_message(token, ELDER, REVIEWED, DATA)
    assert await errcode_of(refused) == ErrCode.USER_REFUSED == 43101
    await wechat.send_subscribe_message(token, ELDER, RENEWAL, {"thing1": "另一模板不受影响"})
    await wechat.send_subscribe_message(token, TALENT, REVIEWED, DATA)  # nor another user
    assert [m["template_id"] for m in await sim.get("/_sim/messages", touser=ELDER)] == [RENEWAL]
    await sim.control("/_sim/subscriptions", {**choice, "accept": True})
    await wechat.send_subscribe_message(token, ELDER, REVIEWED, DATA)
    assert len(await sim.get("/_sim/messages", touser=ELDER)) == 2


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"thing1": "超过二十个字的事项说明会被微信拒绝因为太长了"},
        {"title": "未知类型"},
        {"number1": "12a"},
        {"phrase3": "六个字的短语"},
        {"name1": "KIM MINJUN KIM MINJUN"},
        {"thing1": ""},
    ],
)
async def test_invalid_template_data_is_47003(
    wechat: WeChatClient, sim: Sim, token: str, data: dict[str, str]
) -> None:
    sending = wechat.send_subscribe_message(token, ELDER, REVIEWED, data)
    assert await errcode_of(sending) == ErrCode.TEMPLATE_DATA_INVALID == 47003
    assert await sim.get("/_sim/messages") == []


async def test_latin_names_may_be_longer(wechat: WeChatClient, token: str) -> None:
    await wechat.send_subscribe_message(token, ELDER, REVIEWED, {"name1": "KIM MINJUN"})
    long_chinese = {"name1": "阿卜杜热合曼·买买提江"}  # 11 characters
    assert await errcode_of(wechat.send_subscribe_message(token, ELDER, REVIEWED, long_chinese))


async def test_daily_quota_is_45009(wechat: WeChatClient, sim: Sim, token: str) -> None:
    await sim.control("/_sim/message-quota", {"remaining": 1})
    await wechat.send_subscribe_message(token, ELDER, REVIEWED, DATA)
    sending = wechat.send_subscribe_message(token, TALENT, REVIEWED, DATA)
    assert await errcode_of(sending) == ErrCode.DAILY_QUOTA == 45009
    await sim.control("/_sim/message-quota", {"remaining": None})
    await wechat.send_subscribe_message(token, TALENT, REVIEWED, DATA)


async def test_bad_or_expired_token_on_every_message_api(
    wechat: WeChatClient, sim: Sim, token: str
) -> None:
    def calls(access_token: str) -> list[Any]:
        return [
            wechat.send_subscribe_message(access_token, ELDER, REVIEWED, DATA),
            wechat.send_custom_message(access_token, ELDER, "text", {"content": "您好"}),
            wechat.msg_sec_check(access_token, ELDER, "您好"),
        ]

    for call in calls("not-a-token"):
        with pytest.raises(WeChatError) as caught:
            await call
        assert caught.value.code == ErrCode.INVALID_CREDENTIAL
        assert caught.value.access_token_rejected
    await sim.advance(7201)
    for call in calls(token):
        assert await errcode_of(call) == ErrCode.ACCESS_TOKEN_EXPIRED == 42001


@pytest.mark.parametrize(
    ("content", "verdict"),
    [
        ("周末带孩子去刘公岛看海", "pass"),
        (f"一起{next(iter(RISKY_WORDS))}吧", "risky"),
        ("需要代开发票请联系", "risky"),
        (f"详情请{next(iter(REVIEW_WORDS))}咨询", "review"),
        ("", "pass"),
    ],
)
async def test_msg_sec_check_verdicts(
    wechat: WeChatClient, token: str, content: str, verdict: str
) -> None:
    assert await wechat.msg_sec_check(token, TALENT, content) == verdict
    assert await wechat.msg_sec_check(token, TALENT, content, scene=3) == verdict


async def post_raw(sim: Sim, path: str, token: str, body: dict[str, Any]) -> Any:
    async with sim.session.post(sim.url(path), params={"access_token": token}, json=body) as r:
        return await r.json()


async def test_msg_sec_check_speaks_version_2(sim: Sim, token: str) -> None:
    good = {"content": "你好", "version": 2, "scene": 2, "openid": ELDER}
    answer = await post_raw(sim, "/wxa/msg_sec_check", token, good)
    assert answer["errcode"] == 0
    assert answer["result"] == {"suggest": "pass", "label": 100}
    assert answer["trace_id"]
    for change in ({"version": 1}, {"scene": 5}, {"scene": True}, {"content": "字" * 2501}):
        answer = await post_raw(sim, "/wxa/msg_sec_check", token, {**good, **change})
        assert answer["errcode"] == ErrCode.DATA_FORMAT_ERROR, change
    answer = await post_raw(sim, "/wxa/msg_sec_check", token, {**good, "openid": ""})
    assert answer["errcode"] == ErrCode.INVALID_OPENID


async def test_custom_message_is_recorded(wechat: WeChatClient, sim: Sim, token: str) -> None:
    await wechat.send_custom_message(token, ELDER, "text", {"content": "您的12345工单已受理"})
    card = {"title": "查看工单进度", "pagepath": "pages/hotline/ticket?id=7",
            "thumb_media_id": "MEDIA_ID"}  # fmt: skip
    await wechat.send_custom_message(token, TALENT, "miniprogrampage", card)
    sent = await sim.get("/_sim/custom-messages", touser=ELDER)
    assert [(m["msgtype"], m["payload"]) for m in sent] == [
        ("text", {"content": "您的12345工单已受理"})
    ]
    assert len(await sim.get("/_sim/custom-messages")) == 2
    assert await sim.get("/_sim/messages") == []  # kept apart from subscribe messages


async def test_malformed_custom_messages(wechat: WeChatClient, sim: Sim, token: str) -> None:
    voice = wechat.send_custom_message(token, ELDER, "voice", {"media_id": "M"})  # type: ignore[arg-type]
    assert await errcode_of(voice) == ErrCode.INVALID_MSG_TYPE
    no_content = wechat.send_custom_message(token, ELDER, "text", {"text": "错字段"})
    assert await errcode_of(no_content) == ErrCode.DATA_FORMAT_ERROR
    nobody = wechat.send_custom_message(token, "", "text", {"content": "您好"})
    assert await errcode_of(nobody) == ErrCode.INVALID_OPENID
    assert await sim.get("/_sim/custom-messages") == []


async def test_message_calls_are_counted(wechat: WeChatClient, sim: Sim, token: str) -> None:
    await wechat.send_subscribe_message(token, ELDER, REVIEWED, DATA)
    await wechat.send_custom_message(token, ELDER, "text", {"content": "您好"})
    await wechat.msg_sec_check(token, ELDER, "您好")
    assert await sim.calls() == {
        "stable_token": 1, "subscribe.send": 1, "custom.send": 1, "msg_sec_check": 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_sim/subscriptions", {"openid": ELDER, "template_id": REVIEWED, "accept": "no"}),
        ("/_sim/subscriptions", {"openid": ELDER, "accept": False}),
        ("/_sim/message-quota", {"remaining": -1}),
    ],
)
async def test_malformed_controls_are_400(sim: Sim, path: str, body: dict[str, Any]) -> None:
    assert await sim.refused(path, body) == 400
