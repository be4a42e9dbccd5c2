"""Withdrawing a consent ends the clinician's view at once, and the patient's log says so."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models.medical.consents import MedicalConsent
from palm import keys
from palm.settings import Settings
from services.medical.config import MedicalConfig
from tests.helpers import bearer, login, problem, sim
from tests.medical.conftest import Reader, ReaderFactory
from tests.medical.test_recognition import SCAN, _consent_for_child


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    # Every look asks the platform, so a look can be caught in the middle of its reads.
    config = MedicalConfig(fresh_seconds=0)
    return base_settings.with_(health=replace(base_settings.health, timeout=3), medical=config)


async def _revoke(parent: Reader, consent_id: str) -> Any:
    return await parent.client.post(
        f"/api/v1/medical/consents/{consent_id}/revoke", headers=parent.headers
    )


async def _child_log(parent: Reader) -> list[dict[str, Any]]:
    child = (await parent.family())["child"]
    page = await (await parent.get("/api/v1/medical/access-log", member=child)).json()
    return page["items"]  # type: ignore[no-any-return]


async def test_revoking_after_the_scan_ends_the_clinicians_view(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab"])
    doctor = bearer(await login(client, "doctor"))
    seen = await (await client.post(SCAN, json={"code": made["code"]}, headers=doctor)).json()
    assert (await client.get(f"{SCAN}/{seen['id']}", headers=doctor)).status == 200
    redis = client.app[keys.DEPS].redis
    cached = f"palm:medical:cache:{{c:{uuid.UUID(seen['id']).hex}}}:*"
    assert [k async for k in redis.scan_iter(match=cached)]

    resp = await _revoke(parent, made["id"])
    assert resp.status == 200, await resp.text()
    revoked = await resp.json()
    assert (revoked["status"], revoked["ended"], revoked["hospital"]) == (
        "revoked",
        "clinician_access",
        "威海市立医院",
    )
    assert revoked["revoked_at"] >= revoked["used_at"]
    assert not [k async for k in redis.scan_iter(match=cached)]

    await problem(await client.get(f"{SCAN}/{seen['id']}", headers=doctor), 403, "consent_revoked")
    log = await _child_log(parent)
    assert [(e["action"], e["actor"], e["actor_is_me"], e["hospital"]) for e in log] == [
        ("refused", "曲*博", False, "威海市立医院"),
        ("revoke", "孙*娜", True, "威海市立医院"),
        ("recognition", "曲*博", False, "威海市立医院"),
        ("recognition", "曲*博", False, "威海市立医院"),
    ]
    assert {e["reason"] for e in log} == {"mutual_recognition"}


async def test_revoking_an_unused_code(client: TestClient, reader: ReaderFactory) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab"])
    revoked = await (await _revoke(parent, made["id"])).json()
    assert (revoked["ended"], revoked["hospital"], revoked["used_at"]) == ("code", None, None)
    doctor = bearer(await login(client, "doctor"))
    resp = await client.post(SCAN, json={"code": made["code"]}, headers=doctor)
    await problem(resp, 409, "consent_not_usable")
    log = await _child_log(parent)
    assert [(e["action"], e["hospital"]) for e in log] == [
        ("refused", "威海市立医院"),
        ("revoke", None),
    ]


async def test_nothing_left_to_end_is_a_409_not_a_200(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab"])
    assert (await _revoke(parent, made["id"])).status == 200
    await problem(await _revoke(parent, made["id"]), 409, "consent_already_revoked")
    old = await _consent_for_child(parent, ["lab"])
    await MedicalConsent.filter(id=old["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    await problem(await _revoke(parent, old["id"]), 409, "consent_expired")
    await problem(await _revoke(parent, str(uuid.uuid4())), 404, "consent_not_found")
    stranger = await reader("resident")
    await problem(await _revoke(stranger, made["id"]), 404, "consent_not_found")
    assert [e["action"] for e in await _child_log(parent)] == ["revoke"]


async def test_a_withdrawal_during_a_look_ends_that_look(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab"])
    doctor = bearer(await login(client, "doctor"))
    seen = await (await client.post(SCAN, json={"code": made["code"]}, headers=doctor)).json()
    # The platform answers slowly; the patient withdraws while the doctor's look waits on it.
    await sim(client, "health", "POST", "/_sim/outage", json={"status": None, "delay": 0.3})
    look = asyncio.create_task(client.get(f"{SCAN}/{seen['id']}", headers=doctor))
    await asyncio.sleep(0.15)
    assert (await _revoke(parent, made["id"])).status == 200
    resp = await look
    await sim(client, "health", "DELETE", "/_sim/outage")
    await problem(resp, 403, "consent_revoked")
    assert [e["action"] for e in await _child_log(parent)][:2] == ["refused", "revoke"]
