"""The resident's language: chosen in the profile, used by errors (Accept-Language otherwise)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from integrations.simworld import openid_for
from palm import keys
from palm.language import negotiate
from services.identity import residents
from tests.helpers import bearer, login, problem

NOWHERE = "/api/v1/me/inbox/1/read"  # a 404 for a signed-in resident


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("fr-FR", None),
        ("en-US", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh;q=0.3, en;q=0.8", "en"),
        ("en;q=0, zh-TW", "zh"),
        ("EN-gb;q=0.5, fr;q=0.9", "en"),
        ("en;q=abc", None),
    ],
)
def test_accept_language_negotiation(header: str, expected: str | None) -> None:
    assert negotiate(header) == expected


async def test_errors_follow_accept_language_without_a_session(client: TestClient) -> None:
    body = await problem(await client.get("/api/v1/me"), 401, "auth_required")
    assert (body["title"], body["detail"]) == ("请先登录。", "请先登录。")  # Chinese by default
    english = await client.get("/api/v1/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    body = await problem(english, 401, "auth_required")
    assert english.headers["Content-Language"] == "en"
    assert body["title"] == body["message_en"]
    assert body["message_zh"] == "请先登录。"
    chinese = await client.get("/nowhere", headers={"Accept-Language": "zh-CN"})
    assert chinese.headers["Content-Language"] == "zh-CN"
    assert (await problem(chinese, 404, "not_found"))["title"] == "找不到请求的资源。"


async def test_the_profile_choice_wins_over_accept_language(client: TestClient) -> None:
    token = await login(client, "resident")
    who = bearer(token)
    me = await (await client.get("/api/v1/me", headers=who)).json()
    assert me["language"] is None
    chosen = await client.patch("/api/v1/me", json={"language": "en"}, headers=who)
    assert (await chosen.json())["language"] == "en"
    # The same session, asked in Chinese: the choice in the profile wins.
    resp = await client.post(NOWHERE, headers={**who, "Accept-Language": "zh-CN"})
    body = await problem(resp, 404, "notification_not_found")
    assert (body["title"], resp.headers["Content-Language"]) == ("No such notification.", "en")
    assert body["message_zh"] == "找不到该通知。"
    # A validation error's own detail (field paths) stays; its title is translated.
    bad = await client.patch("/api/v1/me", json={"language": "fr"}, headers=who)
    body = await problem(bad, 422, "validation_failed")
    assert body["title"] == "The request has invalid fields."
    assert "body/language" in body["detail"]
    # Sessions opened later carry it too; back to null: Accept-Language decides again.
    other = bearer(await login(client, "resident"))
    assert (await client.post(NOWHERE, headers=other)).headers["Content-Language"] == "en"
    await client.patch("/api/v1/me", json={"language": None}, headers=who)
    for session in (who, other):
        resp = await client.post(NOWHERE, headers=session)
        assert resp.headers["Content-Language"] == "zh-CN"
    await problem(await client.patch("/api/v1/me", json={}, headers=who), 422,
                  "validation_failed")  # fmt: skip


async def test_the_bot_can_ask_a_residents_language(client: TestClient) -> None:
    who = bearer(await login(client, "foreigner"))
    openid = openid_for(client.app[keys.SETTINGS].wechat.app_id, "foreigner")
    assert await residents.language_of(openid) is None
    await client.patch("/api/v1/me", json={"language": "en"}, headers=who)
    assert await residents.language_of(openid) == "en"
    assert await residents.language_of("o-a-stranger") is None


async def test_the_bots_copy_of_a_language_follows_a_new_choice(client: TestClient) -> None:
    """Kept per process for the bot, and dropped the moment the resident chooses again."""
    changes = client.app[keys.DEPS].changes
    who = bearer(await login(client, "foreigner"))
    openid = openid_for(client.app[keys.SETTINGS].wechat.app_id, "foreigner")
    assert await residents.language_of(openid, changes) is None  # now kept
    copy = changes.copy("bot-language")
    hits = copy.hits
    assert await residents.language_of(openid, changes) is None
    assert copy.hits == hits + 1  # from the copy
    await client.patch("/api/v1/me", json={"language": "en"}, headers=who)
    assert await residents.language_of(openid, changes) == "en"
    await client.patch("/api/v1/me", json={"language": None}, headers=who)
    assert await residents.language_of(openid, changes) is None
