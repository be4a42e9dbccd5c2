"""Concurrent grants for one resident never waive more than their limit."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditWaiver, CreditWaiverEvent, EventKind
from tests.credit.support import code, grant, headers, policy

LIMIT, AMOUNT, GRANTS = 1000, 90, 50


async def test_fifty_concurrent_grants_stay_within_the_limit(client: TestClient) -> None:
    await policy(client, "library", resident_limit=LIMIT)
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    await client.get("/api/v1/credit/profile", headers=resident)  # rating cached, as at a busy desk
    codes = [await code(client, resident) for _ in range(GRANTS)]  # one scan each
    responses = await asyncio.gather(
        *(
            grant(client, librarian, text=text, amount=AMOUNT, reference=f"C-{i}")
            for i, text in enumerate(codes)
        )
    )
    bodies = [await r.json() for r in responses]
    assert all(r.status == 200 for r in responses), bodies
    granted = [b for b in bodies if b["decision"] == "waived"]
    refused = [b for b in bodies if b["decision"] == "not_waived"]
    assert len(granted) == LIMIT // AMOUNT  # as many as fit, no more
    assert {b["reason"] for b in refused} == {"limit_reached"}
    rows = await CreditWaiver.all()
    assert sum(w.amount_fen for w in rows) == len(granted) * AMOUNT <= LIMIT
    assert await CreditWaiverEvent.filter(kind=EventKind.GRANTED).count() == len(rows)
