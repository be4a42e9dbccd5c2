"""Platform faults while requests run: each simulator made slow, failing or answering garbage
(``POST /_sim/faults``) gives 503 platform_unavailable with Retry-After, and service resumes
when it is set back; a pending notification survives a restart and is sent exactly once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from tortoise.transactions import in_transaction

from integrations.simworld import openid_for
from models.identity.residents import Resident
from models.jobs import OutboxMessage
from models.notifications import Notification
from palm import keys
from palm.app import create_app
from palm.settings import Settings
from services import notifications
from tests.helpers import bearer, make_id_number, new_wechat_user, problem, run_jobs, sim
from tests.proof.faults import VALUES, answered, redis_server, settings

__all__ = ["redis_server", "settings"]  # fixtures: our own Redis, platforms quick to give up


FAULTS = ("slow", "fail", "garbage")


async def _fault(client: TestClient, platform: str, mode: str) -> None:
    await sim(client, platform, "POST", "/_sim/faults", json={"mode": mode, "seconds": 1.5})


@pytest.mark.parametrize("mode", FAULTS)
async def test_wechat_fault_at_login_answers_503_and_recovers(
    client: TestClient, mode: str
) -> None:
    await _fault(client, "wechat", mode)
    resp = await answered(client.post("/api/v1/auth/login", json={"code": "demo-resident"}))
    body = await problem(resp, 503, "platform_unavailable")
    assert body["platform"] == "wechat"
    await _fault(client, "wechat", "off")
    assert (
        await answered(client.post("/api/v1/auth/login", json={"code": "demo-resident"}))
    ).status == 200


@pytest.mark.parametrize("mode", FAULTS)
async def test_aishandong_fault_at_real_name_answers_503_and_recovers(
    client: TestClient, mode: str
) -> None:
    person = {"key": f"fault_{mode}", "name": "宋雨桐",
              "id_number": make_id_number("19960412", 24), "birth_date": "1996-04-12",
              "sex": "F", "phone": None, "household_id": None}  # fmt: skip
    await sim(client, "aishandong", "POST", "/_sim/people", json=person)
    headers = bearer(await new_wechat_user(client, f"o-fault-real-name-{mode}"))
    claim = {"name": person["name"], "id_number": person["id_number"]}
    await _fault(client, "aishandong", mode)
    resp = await answered(client.post("/api/v1/me/real-name", json=claim, headers=headers))
    body = await problem(resp, 503, "platform_unavailable")
    assert body["platform"] == "aishandong"
    assert (await (await client.get("/api/v1/me", headers=headers)).json())["verified"] is False
    await _fault(client, "aishandong", "off")
    resp = await answered(client.post("/api/v1/me/real-name", json=claim, headers=headers))
    assert resp.status == 200
    assert (await resp.json())["verified"] is True


async def test_pending_notification_survives_a_restart_and_is_sent_once(
    aiohttp_client: Callable[..., Awaitable[TestClient]], settings: Settings
) -> None:
    # The first app runs no worker, so its message is still pending when it stops.
    first = await aiohttp_client(create_app(settings.with_(run_worker=False, run_scheduler=False)))
    app_id = first.app[keys.PLATFORMS]["wechat"].app_id
    talent = await Resident.get(openid=openid_for(app_id, "talent"))
    key = "proof-restart-1"
    try:
        async with in_transaction():
            await notifications.notify(talent.id, "application_decided", VALUES, key=key)
        await first.close()

        second = await aiohttp_client(create_app(settings))
        await run_jobs(second)
        await run_jobs(second)  # twice: nothing is sent again
        sent = await sim(second, "wechat", "GET", f"/_sim/messages?touser={talent.openid}")
        assert [m["data"] for m in sent] == [VALUES]
        assert (await Notification.get(key=key)).status == "sent"
        message = await OutboxMessage.get(key=f"notification:{key}")
        assert message.done_at is not None
        assert message.attempts == 1
    finally:
        await Notification.filter(key=key).delete()
        await OutboxMessage.filter(key=f"notification:{key}").delete()
