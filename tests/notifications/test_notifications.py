"""Notifications: queued in the outbox, sent once through WeChat, refused or retried properly."""

from __future__ import annotations

from dataclasses import replace

from aiohttp.test_utils import TestClient
from tortoise.transactions import in_transaction

from integrations.base import Platform
from integrations.simworld import openid_for
from integrations.wechat.client import WeChatClient
from models.identity.residents import Resident
from models.jobs import OutboxMessage
from models.notifications import Notification
from palm import keys
from services import jobs, notifications
from services.job_table import TABLE
from tests.helpers import run_jobs, sim

VALUES = {
    "thing1": "威海英才卡",
    "phrase2": "已通过",
    "thing3": "请在小程序中查看",
    "time4": "2026-11-27 10:00",
}


async def _resident(client: TestClient, persona: str) -> Resident:
    app_id = client.app[keys.PLATFORMS]["wechat"].app_id
    return await Resident.get(openid=openid_for(app_id, persona))


async def _sent_to(client: TestClient, openid: str) -> list[dict[str, object]]:
    return await sim(client, "wechat", "GET", f"/_sim/messages?touser={openid}")  # type: ignore[no-any-return]


async def test_notification_is_sent_once(client: TestClient) -> None:
    talent = await _resident(client, "talent")
    for _ in range(2):  # the same key twice, as a retried request would
        async with in_transaction():
            await notifications.notify(talent.id, "application_decided", VALUES, key="app-1")
    await run_jobs(client)
    sent = await _sent_to(client, talent.openid)
    assert len(sent) == 1
    assert sent[0]["data"] == VALUES
    assert (await Notification.get(key="app-1")).status == "sent"


async def test_rolled_back_notification_is_never_sent(client: TestClient) -> None:
    talent = await _resident(client, "talent")
    try:
        async with in_transaction():
            await notifications.notify(talent.id, "application_decided", VALUES, key="app-2")
            raise RuntimeError("the change that caused it failed")
    except RuntimeError:
        pass
    await run_jobs(client)
    assert await _sent_to(client, talent.openid) == []
    assert not await OutboxMessage.filter(key="notification:app-2").exists()


async def test_refused_template_is_not_retried(client: TestClient) -> None:
    elder = await _resident(client, "elder")
    choice = {"openid": elder.openid, "template_id": "tmpl-application-decided", "accept": False}
    await sim(client, "wechat", "POST", "/_sim/subscriptions", json=choice)
    await notifications.notify(elder.id, "application_decided", VALUES, key="app-3")
    await run_jobs(client)
    assert (await Notification.get(key="app-3")).status == "refused"
    message = await OutboxMessage.get(key="notification:app-3")
    assert message.done_at is not None


async def test_quota_exhausted_waits_and_keeps_the_message(client: TestClient) -> None:
    elder = await _resident(client, "elder")
    await sim(client, "wechat", "POST", "/_sim/message-quota", json={"remaining": 0})
    await notifications.notify(elder.id, "application_decided", VALUES, key="app-4")
    await run_jobs(client)
    message = await OutboxMessage.get(key="notification:app-4")
    assert message.done_at is None
    assert message.dead_at is None
    assert message.attempts == 0  # waiting for quota is not a failure
    assert (await Notification.get(key="app-4")).status == "pending"


async def test_platform_outage_is_retried_with_backoff(client: TestClient) -> None:
    elder = await _resident(client, "elder")
    nowhere = Platform("wechat", "http://127.0.0.1:9", "x", "y", timeout=0.5)
    broken = WeChatClient(client.app[keys.HTTP], nowhere)
    deps = replace(client.app[keys.DEPS], wechat=broken)
    await notifications.notify(elder.id, "application_decided", VALUES, key="app-5")
    message = await OutboxMessage.get(key="notification:app-5")
    assert await jobs.process(TABLE, deps, message.id) is False
    message = await OutboxMessage.get(id=message.id)
    assert message.attempts == 1
    assert message.last_error
    assert message.done_at is None
