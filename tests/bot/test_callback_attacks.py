"""Attacks on the WeChat callback (issue 20), each through HTTP: a plain body where a key is
configured, a captured URL replayed with another body, another resident's openid in a plain
push. The query signature covers token, timestamp and nonce only, never the body."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import xmltodict
from aiohttp.test_utils import TestClient

from models.identity.residents import Resident
from palm.settings import Settings
from tests.bot.conftest import WeChat, text_xml
from tests.helpers import problem, run_jobs, sim

URL = "/wechat/callback"
plain_mode = pytest.mark.parametrize("settings", ["plain"], indirect=True)
compatible_mode = pytest.mark.parametrize("settings", ["compatible"], indirect=True)


@pytest.fixture
def settings(base_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return base_settings.with_(wechat_callback_mode=getattr(request, "param", "safe"))


async def _owes(openid: str, fen: int) -> None:
    from models.transit.accounts import PaymentMethod, TransitAccount

    resident = await Resident.get(openid=openid)
    await TransitAccount.create(
        rider_hash=uuid.uuid4().hex, rider_id_number_enc="x", rider_birth_date=date(1990, 1, 1),
        rider=resident, payer=resident, payment_method=PaymentMethod.DEDUCTION,
        arrears_fen=fen, terms_version="1",
    )  # fmt: skip


async def _custom_texts(client: TestClient, openid: str) -> list[str]:
    await run_jobs(client)
    sent = await sim(client, "wechat", "GET", f"/_sim/custom-messages?touser={openid}")
    return [m["payload"].get("content", "") for m in sent]


async def test_a_plain_body_is_refused_when_a_key_is_configured(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    await _owes(resident_openid, 350)
    forged = text_xml(resident_openid, "乘车码")
    # A genuine safe-mode URL, its encrypt_type and msg_signature dropped, a clear body sent.
    query, _ = wechat.seal(text_xml("o-attacker", "hi"))
    downgraded = {k: query[k] for k in ("timestamp", "nonce", "signature")}
    resp = await client.post(URL, params=downgraded, data=forged.encode())
    body = await problem(resp, 403, "encryption_required")
    assert "3.50" not in str(body)
    status, text = await wechat.push(forged, mode="plain")  # freshly signed, still clear
    assert status == 403, text
    assert await _custom_texts(client, resident_openid) == []


async def test_a_safe_url_replayed_with_another_body_is_refused(
    client: TestClient, wechat: WeChat
) -> None:
    query, body = wechat.seal(text_xml("o-replay-1", "我要反映 海滨路路灯不亮"))
    first = await client.post(URL, params=query, data=body.encode())
    assert first.status == 200
    assert "将向12345提交" in wechat.open(await first.text())
    again = await client.post(URL, params=query, data=body.encode())  # WeChat's retry
    assert (again.status, await again.text()) == (200, "success")
    _, other = wechat.seal(text_xml("o-replay-1", "匿名"))
    await problem(await client.post(URL, params=query, data=other.encode()), 403, "bad_signature")


@plain_mode
async def test_a_plain_url_replayed_with_another_body_is_refused(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    query, genuine = wechat.query(), text_xml("o-replay-2", "你好").encode()
    first = await client.post(URL, params=query, data=genuine)
    assert first.status == 200
    forged = text_xml(resident_openid, "乘车码")  # another resident's openid, same URL
    await problem(await client.post(URL, params=query, data=forged.encode()), 403, "nonce_reused")
    same = await client.post(URL, params=query, data=genuine)  # a retry: nothing handled again
    assert (same.status, await same.text()) == (200, "success")


@plain_mode
async def test_a_forged_sender_in_plain_mode_gets_no_status_back(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    await _owes(resident_openid, 350)
    reply = await wechat.say(resident_openid, "乘车码", mode="plain")
    assert 'data-miniprogram-path="pages/transit/code"' in reply  # the page link is public
    assert "3.50" not in reply
    assert "欠费" not in reply
    assert "单独发送" in reply
    # The status goes only to the openid's owner, through the customer-service API.
    assert any("欠费 3.50 元" in t for t in await _custom_texts(client, resident_openid))
    # A stranger's openid gets the same neutral reply: no telling who has an account.
    stranger = await wechat.say("o-stranger-1", "乘车码", mode="plain")
    assert stranger.replace("o-stranger-1", "") == reply.replace(resident_openid, "")
    asked = await wechat.say(resident_openid, "我要反映 楼道灯坏了", mode="plain")
    assert "****" not in asked  # the bound phone is not offered to an unproven sender
    assert "同意" in asked
    assert "工单号" not in await wechat.say(resident_openid, "同意", mode="plain")  # asked again
    assert "工单号" in await wechat.say(resident_openid, "匿名", mode="plain")
    status = await wechat.say(resident_openid, "工单进度", mode="plain")
    assert "WH" not in status
    from models.hotline.tickets import Ticket

    assert not await Ticket.filter(resident__openid=resident_openid).exists()


@plain_mode
async def test_an_encrypted_push_in_plain_mode_is_still_proven(
    wechat: WeChat, resident_openid: str
) -> None:
    await _owes(resident_openid, 120)
    assert "欠费 1.20 元" in await wechat.say(resident_openid, "乘车码", mode="safe")


@compatible_mode
async def test_compatible_mode_trusts_only_the_sealed_copy(
    client: TestClient, wechat: WeChat
) -> None:
    genuine = text_xml("o-compat-1", "病历")
    query, body = wechat.seal(genuine, mode="compat")
    # Someone rewrites the clear copy on the way: the signed, encrypted one is what counts.
    tampered = body.replace(
        "<Content><![CDATA[病历]]></Content>", "<Content><![CDATA[免押]]></Content>"
    )
    resp = await client.post(URL, params=query, data=tampered.encode())
    reply = xmltodict.parse(wechat.open(await resp.text()))["xml"]
    assert "pages/medical/records" in reply["Content"]
    status, _ = await wechat.push(text_xml("o-compat-1", "免押"), mode="plain")
    assert status == 403


async def test_query_values_are_bounded(client: TestClient, wechat: WeChat) -> None:
    query = {**wechat.query(), "nonce": "1" * 500}
    await problem(await client.get(URL, params=query), 422, "validation_failed")
    await problem(await client.post(URL, params=query, data=b"<xml/>"), 422, "validation_failed")


async def test_the_hotline_callback_signs_its_body_and_remembers_nonces(
    client: TestClient,
) -> None:
    """The same class of fault on the 12345 door: it holds (body in the signature, nonces kept)."""
    import json

    from integrations.signing import signed_headers
    from palm import keys

    url, platform = "/api/v1/hotline/callback", client.app[keys.PLATFORMS]["hotline"]
    push = {
        "event": "ticket.progress",
        "ticketNo": "SD1",
        "externalId": "WH000000000001",
        "seq": 2,
        "status": "replied",
        "note": "",
        "at": "2026-01-05T08:00:00+00:00",
    }
    body = json.dumps(push).encode()
    headers = {**signed_headers(platform, "POST", url, body), "Content-Type": "application/json"}
    other = json.dumps({**push, "externalId": "WH000000000002"}).encode()
    await problem(await client.post(url, data=other, headers=headers), 403, "bad_signature")
    await problem(await client.post(url, data=body, headers=headers), 404, "ticket_not_found")
    await problem(await client.post(url, data=body, headers=headers), 403, "nonce_reused")
