"""The 12345 hotline adapter against its simulator: signed calls, tickets, progress, pushes."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient

from integrations.base import PlatformError, PlatformUnavailable
from integrations.hotline.client import HotlineClient, push_is_signed
from integrations.signing import signed_headers
from palm import keys
from tests.helpers import sim


def _client(client: TestClient, **changes: object) -> HotlineClient:
    platform = replace(client.app[keys.PLATFORMS]["hotline"], **changes)  # type: ignore[arg-type]
    return HotlineClient(client.app[keys.HTTP], platform)


async def test_a_ticket_is_created_once_per_external_id(client: TestClient) -> None:
    hotline = _client(client)
    now = datetime.now(UTC)
    first = await hotline.create_ticket(
        external_id="WH260101000001",
        category="CS",
        content="路灯不亮",
        contact_phone=None,
        reported_at=now,
    )
    again = await hotline.create_ticket(
        external_id="WH260101000001",
        category="CS",
        content="路灯不亮",
        contact_phone=None,
        reported_at=now,
    )
    assert first.ticket_no == again.ticket_no
    assert first.status == "accepted"
    await sim(
        client,
        "hotline",
        "POST",
        f"/_sim/tickets/{first.ticket_no}/progress",
        json={"status": "assigned", "note": "已派单"},
    )
    progress = await hotline.ticket_progress(first.ticket_no)
    assert progress.external_id == "WH260101000001"
    assert [(e.seq, e.status) for e in progress.events] == [(1, "accepted"), (2, "assigned")]
    assert progress.status == "assigned"


async def test_business_errors_and_signatures(client: TestClient) -> None:
    hotline, now = _client(client), datetime.now(UTC)
    with pytest.raises(PlatformError) as unknown:
        await hotline.create_ticket(
            external_id="WH1", category="XX", content="x", contact_phone=None, reported_at=now
        )
    assert unknown.value.code == 20002
    with pytest.raises(PlatformError) as missing:
        await hotline.ticket_progress("SD-none")
    assert missing.value.code == 20003
    with pytest.raises(PlatformError) as forged:
        await _client(client, secret="placeholder-wrong").ticket_progress("SD-none")
    assert forged.value.code == 10005
    await sim(client, "hotline", "POST", "/_sim/latency", json={"seconds": 0.5})
    with pytest.raises(PlatformUnavailable):
        await _client(client, timeout=0.1).ticket_progress("SD-none")


def test_pushes_are_verified_like_requests() -> None:
    from integrations.base import Platform

    platform = Platform("hotline", "http://x", "palm-weihai", "s3cret")
    body, now = b'{"event":"ticket.progress"}', time.time()
    headers = signed_headers(platform, "POST", "/api/v1/hotline/callback", body, now=now)
    assert push_is_signed(platform, headers, "POST", "/api/v1/hotline/callback", body, now=now)
    assert not push_is_signed(
        platform, headers, "POST", "/api/v1/hotline/callback", body + b" ", now=now
    )
    assert not push_is_signed(platform, headers, "POST", "/other", body, now=now)
    assert not push_is_signed(
        platform, headers, "POST", "/api/v1/hotline/callback", body, now=now + 600
    )
    other = replace(platform, app_id="someone-else")
    assert not push_is_signed(other, headers, "POST", "/api/v1/hotline/callback", body, now=now)


async def test_the_simulator_enforces_the_rules_of_follow_ups_chases_and_ratings(
    client: TestClient,
) -> None:
    hotline, now = _client(client), datetime.now(UTC)
    ticket = await hotline.create_ticket(
        external_id="WH260101000077", category="CS", content="井盖缺失",
        contact_phone=None, reported_at=now,
    )  # fmt: skip
    number = ticket.ticket_no

    async def code_of(call: object) -> int:
        with pytest.raises(PlatformError) as refused:
            await call  # type: ignore[misc]
        return refused.value.code

    assert await code_of(hotline.evaluate(number, "rate-0000001", 5, "")) == 20006
    assert await code_of(hotline.chase(number, "chase-000001")) == 20008  # progress is fresh
    first = await hotline.add_follow_up(number, "follow-00001", "在3号楼东侧")
    assert (await hotline.add_follow_up(number, "follow-00001", "在3号楼东侧")) == first
    assert await code_of(hotline.add_follow_up(number, "follow-00002", "")) == 20001
    assert await code_of(hotline.add_follow_up("SD-none", "follow-00003", "x")) == 20003
    await sim(client, "hotline", "POST", f"/_sim/tickets/{number}/age", json={"hours": 25})
    chased = await hotline.chase(number, "chase-000002")
    assert chased.kind == "chase"
    assert await code_of(hotline.chase(number, "chase-000003")) == 20008  # one per day
    await sim(client, "hotline", "POST", f"/_sim/tickets/{number}/progress",
              json={"status": "replied", "note": "已修复"})  # fmt: skip
    assert await code_of(hotline.chase(number, "chase-000004")) == 20005
    assert await code_of(hotline.evaluate(number, "rate-0000002", 6, "")) == 20001
    rated = await hotline.evaluate(number, "rate-0000003", 5, "满意")
    assert await code_of(hotline.evaluate(number, "rate-0000004", 1, "")) == 20007
    assert await hotline.evaluate(number, "rate-0000003", 5, "满意") == rated  # a retry
    await sim(client, "hotline", "POST", f"/_sim/tickets/{number}/progress",
              json={"status": "closed", "note": ""})  # fmt: skip
    assert await code_of(hotline.add_follow_up(number, "follow-00004", "x")) == 20005
    wrong = _client(client, secret="placeholder-wrong")
    assert await code_of(wrong.add_follow_up(number, "follow-00005", "x")) == 10005
