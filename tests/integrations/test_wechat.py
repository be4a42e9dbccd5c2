"""WeChat client against the WeChat simulator: login codes, tokens, phone numbers, limits."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from integrations.base import PlatformUnavailable
from integrations.simworld import PERSONAS, openid_for, unionid_for
from integrations.wechat import ErrCode, WeChatClient, WeChatError
from integrations.wechat.sim.server import create_simulator
from tests.integrations.conftest import WECHAT, RecordingObserver, Serve, Sim


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(WECHAT), WECHAT)


@pytest.fixture
def wechat(sim: Sim, observer: RecordingObserver) -> WeChatClient:
    return WeChatClient(sim.session, sim.platform, observer)


async def errcode_of(call: Any) -> int:
    with pytest.raises(WeChatError) as caught:
        await call
    return caught.value.errcode


async def plain_token(sim: Sim) -> str:
    """The old /cgi-bin/token endpoint, as another process of ours might still call it."""
    query = {"grant_type": "client_credential", "appid": WECHAT.app_id, "secret": WECHAT.secret}
    async with sim.session.get(sim.url("/cgi-bin/token"), params=query) as response:
        token: str = (await response.json())["access_token"]
        return token


async def test_demo_code_logs_the_persona_in(
    wechat: WeChatClient, sim: Sim, observer: RecordingObserver
) -> None:
    session = await wechat.code_to_session("demo-elder")
    assert session.openid == openid_for(WECHAT.app_id, "elder")
    assert session.unionid == unionid_for("elder")
    assert len(base64.b64decode(session.session_key)) == 16
    assert session.session_key not in repr(session)
    again = await wechat.code_to_session("demo-elder")  # demo codes never run out
    assert again.openid == session.openid
    assert again.session_key != session.session_key
    assert observer.records == [("wechat", "jscode2session", "ok")] * 2
    assert await sim.calls() == {"jscode2session": 2}


@pytest.mark.parametrize("code", ["demo-nobody", "demo-parent_father", "0a1B2c3D4e", "demo-"])
async def test_unknown_code_is_40029(wechat: WeChatClient, code: str) -> None:
    assert await errcode_of(wechat.code_to_session(code)) == ErrCode.INVALID_CODE


async def test_minted_code_is_single_use(wechat: WeChatClient, sim: Sim) -> None:
    minted = await sim.control("/_sim/codes", {"persona": "talent"})
    session = await wechat.code_to_session(minted["code"])
    assert session.openid == minted["openid"] == openid_for(WECHAT.app_id, "talent")
    assert await errcode_of(wechat.code_to_session(minted["code"])) == ErrCode.CODE_USED


async def test_minted_code_expires_after_five_minutes(wechat: WeChatClient, sim: Sim) -> None:
    minted = await sim.control("/_sim/codes", {"persona": "talent"})
    await sim.advance(301)
    assert await errcode_of(wechat.code_to_session(minted["code"])) == ErrCode.INVALID_CODE


async def test_raw_openid_is_a_new_wechat_user(wechat: WeChatClient, sim: Sim) -> None:
    minted = await sim.control("/_sim/codes", {"openid": "oNewUser0000000000000000000A"})
    session = await wechat.code_to_session(minted["code"])
    assert session.openid == "oNewUser0000000000000000000A"
    assert session.unionid is None


async def test_wrong_secret_and_appid(wechat: WeChatClient, sim: Sim) -> None:
    bad_secret = WeChatClient(sim.session, replace(sim.platform, secret="leaked-old-secret"))
    assert await errcode_of(bad_secret.code_to_session("demo-resident")) == 40125
    assert await errcode_of(bad_secret.fetch_access_token()) == 40125
    bad_appid = WeChatClient(sim.session, replace(sim.platform, app_id="wx-someone-else"))
    assert await errcode_of(bad_appid.code_to_session("demo-resident")) == 40013


async def test_risky_user_is_refused(wechat: WeChatClient, observer: RecordingObserver) -> None:
    assert await errcode_of(wechat.code_to_session("demo-risky")) == ErrCode.RISKY_USER
    assert observer.records == [("wechat", "jscode2session", "business_error")]


async def test_rate_limit(wechat: WeChatClient, sim: Sim) -> None:
    await sim.control("/_sim/rate-limit", {"remaining": 2})
    await wechat.code_to_session("demo-resident")
    await wechat.fetch_access_token()
    assert await errcode_of(wechat.code_to_session("demo-resident")) == ErrCode.RATE_LIMITED
    assert await errcode_of(wechat.fetch_access_token()) == ErrCode.RATE_LIMITED
    await sim.control("/_sim/rate-limit", {"remaining": None})
    await wechat.code_to_session("demo-resident")


async def test_stable_token_is_stable_until_forced(wechat: WeChatClient, sim: Sim) -> None:
    first = await wechat.fetch_access_token()
    assert first.expires_in == 7200
    assert (await wechat.fetch_access_token()).token == first.token
    forced = await wechat.fetch_access_token(force_refresh=True)
    assert forced.token != first.token
    assert await errcode_of(_phone(wechat, sim, first.token)) == ErrCode.INVALID_CREDENTIAL


async def test_stable_token_renews_near_expiry(wechat: WeChatClient, sim: Sim) -> None:
    first = await wechat.fetch_access_token()
    await sim.advance(7000)
    second = await wechat.fetch_access_token()
    assert second.token != first.token
    assert second.expires_in == 7200
    await _phone(wechat, sim, first.token)  # the old one runs out on its own, not cut off


async def test_old_token_endpoint_invalidates_earlier_old_tokens(
    wechat: WeChatClient, sim: Sim
) -> None:
    stable = (await wechat.fetch_access_token()).token
    earlier = await plain_token(sim)
    later = await plain_token(sim)
    await _phone(wechat, sim, earlier)  # five minutes' grace, as WeChat gives
    await sim.advance(301)
    assert await errcode_of(_phone(wechat, sim, earlier)) == ErrCode.INVALID_CREDENTIAL
    await _phone(wechat, sim, later)
    # stable_token credentials are kept apart: a stray /cgi-bin/token call cannot break ours.
    await _phone(wechat, sim, stable)


async def test_expired_token_is_42001(wechat: WeChatClient, sim: Sim) -> None:
    token = (await wechat.fetch_access_token()).token
    await sim.advance(7201)
    assert await errcode_of(_phone(wechat, sim, token)) == ErrCode.ACCESS_TOKEN_EXPIRED


async def _phone(wechat: WeChatClient, sim: Sim, token: str, persona: str = "parent") -> str:
    minted = await sim.control("/_sim/phone-codes", {"persona": persona})
    return (await wechat.get_phone_number(token, minted["code"])).pure_phone_number


async def test_phone_number(wechat: WeChatClient, sim: Sim) -> None:
    token = (await wechat.fetch_access_token()).token
    minted = await sim.control("/_sim/phone-codes", {"persona": "elder"})
    info = await wechat.get_phone_number(token, minted["code"])
    assert info.phone_number == info.pure_phone_number == PERSONAS["elder"].phone
    assert info.country_code == "86"
    assert await errcode_of(wechat.get_phone_number(token, minted["code"])) == 40029
    assert await errcode_of(wechat.get_phone_number(token, "made-up")) == 40029


async def test_phone_number_with_a_bad_access_token(wechat: WeChatClient, sim: Sim) -> None:
    minted = await sim.control("/_sim/phone-codes", {"persona": "elder"})
    bad = wechat.get_phone_number("not-a-token", minted["code"])
    assert await errcode_of(bad) == ErrCode.INVALID_CREDENTIAL


async def _busy(request: web.Request) -> web.Response:
    return web.json_response({"errcode": -1, "errmsg": "system error"})


async def _truncated(request: web.Request) -> web.Response:
    return web.json_response({"openid": "oX"})  # no session_key


@pytest.mark.parametrize(("handler", "reason"), [(_busy, "busy"), (_truncated, "does not fit")])
async def test_system_busy_and_garbage_are_unavailable(
    serve: Serve, observer: RecordingObserver, handler: Any, reason: str
) -> None:
    app = web.Application()
    app.router.add_get("/sns/jscode2session", handler)
    upstream = await serve(app, WECHAT)
    client = WeChatClient(upstream.session, upstream.platform, observer)
    with pytest.raises(PlatformUnavailable, match=reason):
        await client.code_to_session("demo-resident")
    assert observer.records == [("wechat", "jscode2session", "unavailable")]
