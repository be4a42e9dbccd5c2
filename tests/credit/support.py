"""Helpers for the credit-waiver tests: codes, grants and the credit simulator, over HTTP."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from integrations.simworld import PERSONAS, openid_for
from models.identity.residents import Resident
from palm import keys
from services.credit import reports
from tests.helpers import bearer, login, sim

_references = itertools.count(1)


async def headers(client: TestClient, persona: str) -> dict[str, str]:
    return bearer(await login(client, persona))


async def code(client: TestClient, resident: dict[str, str]) -> str:
    """A fresh credit code, as the mini-program shows it."""
    resp = await client.get("/api/v1/credit/code", headers=resident)
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["text"])


async def grant(
    client: TestClient,
    staff: dict[str, str],
    resident: dict[str, str] | None = None,
    *,
    scene: str = "library",
    amount: int = 5000,
    reference: str | None = None,
    text: str | None = None,
) -> Any:
    """Scan ``resident``'s code at ``staff``'s desk; the response (any status)."""
    text = text if text is not None else await code(client, resident or {})
    body = {
        "code": text,
        "scene": scene,
        "amount": amount,
        "reference": reference or f"REF-{next(_references)}",
    }
    return await client.post("/api/v1/merchant/credit/waivers", json=body, headers=staff)


async def waived(
    client: TestClient, staff: dict[str, str], resident: dict[str, str], **options: Any
) -> str:
    """Grant and insist on a waiver; its id."""
    resp = await grant(client, staff, resident, **options)
    body = await resp.json()
    assert resp.status == 200, body
    assert body["decision"] == "waived", body
    return str(body["waiver_id"])


async def resident_of(client: TestClient, persona: str) -> Resident:
    app_id = client.app[keys.PLATFORMS]["wechat"].app_id
    return await Resident.get(openid=openid_for(app_id, persona))


async def messages_to(client: TestClient, persona: str) -> list[dict[str, Any]]:
    """Subscribe messages the WeChat simulator delivered to the persona."""
    openid = openid_for(client.app[keys.PLATFORMS]["wechat"].app_id, persona)
    return await sim(client, "wechat", "GET", f"/_sim/messages?touser={openid}")  # type: ignore[no-any-return]


async def feedback(client: TestClient) -> dict[str, Any]:
    """What the credit simulator received: ``records`` (one per serial) and ``received``."""
    return await sim(client, "credit", "GET", "/_sim/feedback")  # type: ignore[no-any-return]


async def set_rating(client: TestClient, persona: str, rating: str | None) -> None:
    number = PERSONAS[persona].id_number
    await sim(client, "credit", "POST", "/_sim/ratings", json={"certNo": number, "rating": rating})


async def set_debtor(client: TestClient, persona: str, cases: int) -> None:
    number = PERSONAS[persona].id_number
    await sim(client, "credit", "POST", "/_sim/debtors", json={"certNo": number, "cases": cases})


async def days_pass(days: float) -> int:
    """Run the report cron as if ``days`` had passed; how many reports it queued."""
    return await reports.queue_due_reports(now=datetime.now(UTC) + timedelta(days=days))


async def policy(client: TestClient, scene: str, **changes: Any) -> dict[str, Any]:
    """Change a scene's policy as the credit office (``officer``)."""
    officer = await headers(client, "officer")
    scenes = await (await client.get("/api/v1/admin/credit/scenes", headers=officer)).json()
    current = next(s for s in scenes["items"] if s["code"] == scene)
    body = {k: v for k, v in current.items() if k not in ("code", "merchants")} | changes
    resp = await client.put(f"/api/v1/admin/credit/scenes/{scene}", json=body, headers=officer)
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]
