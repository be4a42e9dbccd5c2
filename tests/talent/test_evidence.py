"""Evidence uploads cost CPU: at most ten wait unattached per resident, and the route is
rate-limited (a named limit, ``PALM_RATE_EVIDENCE``)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from models.talent.applications import TalentEvidence
from palm.settings import RateLimits, Settings
from services.ratelimit import Limit
from services.talent.evidence import MAX_UNATTACHED
from tests.helpers import problem
from tests.talent.support import picture, upload


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """Room for the cap test's uploads; the limit test counts against its own small window."""
    return base_settings.with_(rate_limits=RateLimits(evidence=Limit(14, 3600)))


async def test_unattached_uploads_are_capped_per_resident(
    client: TestClient, resident: dict[str, str], talent: dict[str, str]
) -> None:
    image = picture("PNG")
    ids = []
    for _ in range(MAX_UNATTACHED - 2):
        resp = await upload(client, resident, image)
        assert resp.status == 201, await resp.text()
        ids.append((await resp.json())["id"])
    # two places left, four uploads at once: exactly two are kept, whatever the interleaving
    answers = await asyncio.gather(*(upload(client, resident, image) for _ in range(4)))
    assert sorted(r.status for r in answers) == [201, 201, 409, 409]
    body = await problem(next(r for r in answers if r.status == 409), 409,
                         "talent_evidence_too_many")  # fmt: skip
    assert "10" in body["message_en"]
    assert await TalentEvidence.filter(application_id__isnull=True).count() == MAX_UNATTACHED
    # another resident is not affected; deleting one frees a place
    assert (await upload(client, talent, image)).status == 201
    resp = await client.delete(f"/api/v1/talent/evidence/{ids[0]}", headers=resident)
    assert resp.status == 204
    await problem(await client.delete(f"/api/v1/talent/evidence/{ids[0]}", headers=resident),
                  404, "talent_evidence_not_found")  # fmt: skip
    await problem(await client.delete(f"/api/v1/talent/evidence/{ids[1]}", headers=talent),
                  404, "talent_evidence_not_found")  # fmt: skip
    assert (await upload(client, resident, image)).status == 201
    await problem(await upload(client, resident, image), 409, "talent_evidence_too_many")


async def test_the_upload_route_is_rate_limited(
    client: TestClient, resident: dict[str, str]
) -> None:
    image = picture("PNG")
    statuses = []
    for _ in range(16):
        resp = await upload(client, resident, image)
        statuses.append(resp.status)
        if resp.status == 201:  # keep under the cap: this test is about the rate
            await client.delete(f"/api/v1/talent/evidence/{(await resp.json())['id']}",
                                headers=resident)  # fmt: skip
    assert statuses == [201] * 14 + [429, 429]
    body = await problem(await upload(client, resident, image), 429, "rate_limited")
    assert body.get("scope") == "evidence"
