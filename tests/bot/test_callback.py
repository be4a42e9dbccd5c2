"""The callback over HTTP: WeChat's URL check, the modes, bad signatures, bad XML, retries."""

from __future__ import annotations

import time

import xmltodict
from aiohttp.test_utils import TestClient
from wechatpy.crypto import WeChatCrypto

from tests.bot.conftest import WeChat, event_xml, sign, text_xml
from tests.helpers import problem


async def test_url_verification_echoes_only_for_our_token(
    client: TestClient, wechat: WeChat
) -> None:
    query = {**wechat.query(), "echostr": "4835906012"}
    resp = await client.get("/wechat/callback", params=query)
    assert resp.status == 200
    assert await resp.text() == "4835906012"
    forged = {**query, "signature": sign("another-token", query["timestamp"], query["nonce"])}
    await problem(await client.get("/wechat/callback", params=forged), 403, "bad_signature")
    stale = {**wechat.query(timestamp=int(time.time()) - 3600), "echostr": "1"}
    await problem(await client.get("/wechat/callback", params=stale), 403, "bad_signature")


async def test_safe_mode_reply_is_sealed_for_wechat(client: TestClient, wechat: WeChat) -> None:
    query, body = wechat.seal(text_xml("o-safe-1", "免押"))
    resp = await client.post("/wechat/callback", params=query, data=body.encode())
    assert resp.status == 200
    sealed = await resp.text()
    assert "免押" not in sealed
    assert "<Encrypt>" in sealed
    reply = xmltodict.parse(wechat.open(sealed))["xml"]  # WeChat's own check of our signature
    assert reply["ToUserName"] == "o-safe-1"
    assert reply["FromUserName"] == "gh_palm"
    assert reply["MsgType"] == "text"
    assert 'data-miniprogram-path="pages/credit/waivers"' in reply["Content"]


async def test_compatible_mode_is_refused_unless_configured(
    client: TestClient, wechat: WeChat
) -> None:
    query, body = wechat.seal(text_xml("o-compat-0", "病历"), mode="compat")
    resp = await client.post("/wechat/callback", params=query, data=body.encode())
    await problem(resp, 403, "callback_mode_mismatch")


async def test_bad_signatures_are_refused_before_any_handler(
    client: TestClient, wechat: WeChat
) -> None:
    query, body = wechat.seal(text_xml("o-bad-1", "我要反映 不该被处理"))
    for broken in (
        {**query, "signature": "0" * 40},
        {**query, "msg_signature": "0" * 40},
        {**query, "signature": "签名"},  # not even ASCII
        {k: v for k, v in query.items() if k != "timestamp"},
    ):
        resp = await client.post("/wechat/callback", params=broken, data=body.encode())
        await problem(resp, 403, "bad_signature")
    old = wechat.seal(text_xml("o-bad-1", "hi"), timestamp=int(time.time()) - 301)
    resp = await client.post("/wechat/callback", params=old[0], data=old[1].encode())
    await problem(resp, 403, "bad_signature")
    assert await wechat.say("o-bad-1", "工单进度") == "没有找到您的工单。"


async def test_malformed_xml_is_400(client: TestClient, wechat: WeChat) -> None:
    for body in (
        "not xml",
        "<xml><MsgType>text</MsgType>",
        "<xml><MsgType>text</MsgType></xml>",
        "<other/>",
        "<xml>hello</xml>",
    ):
        resp = await client.post("/wechat/callback", params=wechat.query(body), data=body.encode())
        await problem(resp, 400, "malformed_message")
    # Signed correctly, but nothing inside decrypts under our key / for our app.
    for sealed in ("bm90IGNpcGhlcnRleHQ=", "AAAA" * 8):
        body = f"<xml><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
        resp = await client.post("/wechat/callback", params=wechat.query(sealed), data=body)
        await problem(resp, 400, "malformed_message")
    other_app = WeChatCrypto(wechat.token, wechat.aes_key, "wx-another-app")
    sealed = xmltodict.parse(other_app.encrypt_message(text_xml("o-x", "hi"), "n", "1"))["xml"][
        "Encrypt"
    ]
    body = f"<xml><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
    resp = await client.post("/wechat/callback", params=wechat.query(sealed), data=body)
    await problem(resp, 400, "malformed_message")
    # A sealed message that is not XML inside.
    junk = xmltodict.parse(wechat.crypto.encrypt_message("just text", "n", "1"))["xml"]["Encrypt"]
    body = f"<xml><Encrypt><![CDATA[{junk}]]></Encrypt></xml>"
    resp = await client.post("/wechat/callback", params=wechat.query(junk), data=body)
    await problem(resp, 400, "malformed_message")


async def test_a_retried_msgid_gets_no_second_reply(wechat: WeChat) -> None:
    xml = text_xml("o-retry-1", "我要反映 路口红绿灯坏了", msg_id=6_000_000_001)
    first = await wechat.push(xml)
    assert "12345" in first[1]
    assert await wechat.push(xml) == (200, "success")  # WeChat's retry, freshly signed


async def test_events_are_deduplicated_by_sender_and_time(wechat: WeChat) -> None:
    created = int(time.time())
    status, first = await wechat.push(event_xml("o-follow-1", "subscribe", created=created))
    assert status == 200
    assert "欢迎使用威海掌上服务" in first
    assert await wechat.push(event_xml("o-follow-1", "subscribe", created=created)) == (
        200,
        "success",
    )
    _, later = await wechat.push(event_xml("o-follow-1", "CLICK", "RIDE_CODE", created=created))
    assert "pages/transit/code" in later  # another event at the same second is not a retry
