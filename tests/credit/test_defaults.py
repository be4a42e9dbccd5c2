"""Defaults: notice, the dispute window, one report to the credit platform, repairs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditDefault
from models.jobs import OutboxMessage
from palm import keys
from services.credit import reports
from services.job_table import TABLE
from tests.credit.support import days_pass, feedback, grant, headers, messages_to, waived
from tests.helpers import problem, run_jobs, sim

DEFAULT = {"amount": 4000, "evidence": "图书遗失，按原价赔偿"}


async def _defaulted(client: TestClient, persona: str = "resident") -> tuple[str, Any, Any]:
    """A book waived for ``persona`` and then reported lost by the librarian."""
    librarian, resident = await headers(client, "librarian"), await headers(client, persona)
    waiver_id = await waived(client, librarian, resident, amount=5000)
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver_id}/default", json=DEFAULT, headers=librarian
    )
    assert resp.status == 200, await resp.text()
    return waiver_id, librarian, resident


async def _mine(client: TestClient, resident: Any, waiver_id: str) -> dict[str, Any]:
    items = (await (await client.get("/api/v1/credit/waivers", headers=resident)).json())["items"]
    return next(w for w in items if w["id"] == waiver_id)  # type: ignore[no-any-return]


async def _profile(client: TestClient, resident: Any) -> dict[str, Any]:
    return await (await client.get("/api/v1/credit/profile", headers=resident)).json()  # type: ignore[no-any-return]


async def test_default_goes_through_notice_window_and_one_report(client: TestClient) -> None:
    waiver_id, librarian, resident = await _defaulted(client)
    await run_jobs(client)
    (notice,) = await messages_to(client, "resident")
    assert notice["template_id"] == "tmpl-waiver-default"
    assert notice["data"]["amount2"] == "¥40.00"
    mine = await _mine(client, resident, waiver_id)
    assert mine["status"] == "defaulted"
    assert mine["default"]["status"] == "open"
    assert await days_pass(6) == 0  # still inside the 7-day window
    assert await days_pass(8) == 1
    assert await days_pass(8) == 0  # the cron runs again: nothing new
    await run_jobs(client)
    seen, default = await feedback(client), await CreditDefault.get()
    assert [(r["type"], r["amount"], r["reference"]) for r in seen["records"]] == [
        ("default", 4000, str(default.id))
    ]
    mine = await _mine(client, resident, waiver_id)
    assert mine["default"]["status"] == "unresolved"
    assert mine["default"]["reported"] is True
    kinds = [e["kind"] for e in mine["events"]]
    assert kinds == ["granted", "defaulted", "report_queued", "reported"]
    profile = await _profile(client, resident)
    assert profile["blocked"] is True
    body = await (await grant(client, librarian, resident, amount=100)).json()
    assert (body["decision"], body["reason"]) == ("not_waived", "credit_requirement_not_met")


async def test_a_report_job_that_runs_twice_makes_one_record(client: TestClient) -> None:
    await _defaulted(client)
    await days_pass(8)
    await run_jobs(client)
    default = await CreditDefault.get()
    first_record = default.report_record_id
    # A worker that crashed after sending, before recording it: the job runs again.
    await CreditDefault.filter(id=default.id).update(reported_at=None, report_record_id=None)
    await reports.send_report(client.app[keys.DEPS], {"default_id": str(default.id)})
    seen = await feedback(client)
    assert seen["received"] == 2
    assert len(seen["records"]) == 1
    assert (await CreditDefault.get()).report_record_id == first_record


async def test_a_report_is_retried_after_an_outage(client: TestClient) -> None:
    await _defaulted(client)
    await sim(
        client,
        "credit",
        "POST",
        "/_sim/failures",
        json={"operation": "credit.feedback", "times": 1},
    )
    await days_pass(8)
    await run_jobs(client)
    message = await OutboxMessage.get(key=reports.report_key((await CreditDefault.get()).id))
    assert message.done_at is None
    assert message.attempts == 1
    assert message.last_error
    # The backoff has passed.
    await OutboxMessage.filter(id=message.id).update(available_at=datetime.now(UTC))
    assert await client.app[keys.JOBS].process(message.id)
    assert len((await feedback(client))["records"]) == 1


async def test_a_paid_default_sends_a_repair(client: TestClient) -> None:
    waiver_id, librarian, resident = await _defaulted(client)
    await days_pass(8)
    await run_jobs(client)
    resp = await client.post(f"/api/v1/merchant/credit/waivers/{waiver_id}/paid", headers=librarian)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["default"]["status"] == "resolved"
    await run_jobs(client)
    records = {r["type"]: r for r in (await feedback(client))["records"]}
    assert set(records) == {"default", "repair"}
    assert records["default"]["repaired"] is True
    mine = await _mine(client, resident, waiver_id)
    assert mine["status"] == "closed"
    assert mine["default"]["repaired"] is True
    assert [e["kind"] for e in mine["events"]][-3:] == ["paid", "repair_queued", "repaired"]
    assert (await _profile(client, resident))["blocked"] is False
    await waived(client, librarian, resident, amount=100)


async def test_paid_within_the_window_is_never_reported(client: TestClient) -> None:
    waiver_id, librarian, _ = await _defaulted(client)
    resp = await client.post(f"/api/v1/merchant/credit/waivers/{waiver_id}/paid", headers=librarian)
    assert resp.status == 200
    assert await days_pass(8) == 0
    await run_jobs(client)
    assert (await feedback(client))["records"] == []
    resp = await client.post(f"/api/v1/merchant/credit/waivers/{waiver_id}/paid", headers=librarian)
    await problem(resp, 409, "nothing_owed")


async def _decide(client: TestClient, upheld: bool) -> dict[str, Any]:
    officer = await headers(client, "officer")
    pending = await (await client.get("/api/v1/admin/credit/disputes", headers=officer)).json()
    (dispute,) = pending["items"]
    assert dispute["holder"] == "于*峰"
    assert dispute["evidence"] == DEFAULT["evidence"]
    resp = await client.post(
        f"/api/v1/admin/credit/disputes/{dispute['id']}/decision",
        json={"upheld": upheld, "note": "已核实"},
        headers=officer,
    )
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def test_a_pending_dispute_holds_the_report_back(client: TestClient) -> None:
    waiver_id, _, resident = await _defaulted(client)
    path = f"/api/v1/credit/waivers/{waiver_id}/dispute"
    resp = await client.post(path, json={"reason": "书已归还"}, headers=resident)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["default"]["dispute"] == "pending"
    await problem(
        await client.post(path, json={"reason": "again"}, headers=resident),
        409,
        "default_not_disputable",
    )
    assert await days_pass(8) == 0
    assert (await _decide(client, upheld=False))["status"] == "rejected"
    assert await days_pass(8) == 1  # the window is over: reported now
    await run_jobs(client)
    assert len((await feedback(client))["records"]) == 1


async def test_an_upheld_dispute_after_the_report_sends_a_repair(client: TestClient) -> None:
    waiver_id, _, resident = await _defaulted(client)
    await days_pass(8)
    await run_jobs(client)
    path = f"/api/v1/credit/waivers/{waiver_id}/dispute"
    assert (await client.post(path, json={"reason": "从未借过"}, headers=resident)).status == 201
    assert (await _decide(client, upheld=True))["status"] == "upheld"
    await run_jobs(client)
    records = {r["type"]: r for r in (await feedback(client))["records"]}
    assert records["default"]["repaired"] is True
    mine = await _mine(client, resident, waiver_id)
    assert (mine["status"], mine["default"]["resolution"]) == ("closed", "dispute_upheld")


async def test_only_the_holder_disputes(client: TestClient) -> None:
    waiver_id, _, _ = await _defaulted(client)
    talent = await headers(client, "talent")
    resp = await client.post(
        f"/api/v1/credit/waivers/{waiver_id}/dispute", json={"reason": "x"}, headers=talent
    )
    await problem(resp, 404, "waiver_not_found")


async def test_default_amount_and_state_are_checked(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    waiver_id = await waived(client, librarian, resident, amount=5000)
    path = f"/api/v1/merchant/credit/waivers/{waiver_id}/default"
    resp = await client.post(path, json={**DEFAULT, "amount": 5001}, headers=librarian)
    await problem(resp, 400, "default_amount_invalid")
    await client.post(f"/api/v1/merchant/credit/waivers/{waiver_id}/release", headers=librarian)
    await problem(
        await client.post(path, json=DEFAULT, headers=librarian), 409, "waiver_not_active"
    )


async def test_the_cron_job_is_in_the_job_table() -> None:
    (job,) = [j for j in TABLE.cron if j.name == "credit.report-defaults"]
    assert job.cron == reports.REPORT_CHECK_CRON
    assert job.run is reports.report_due_defaults
    assert TABLE.handler("credit.report") is reports.send_report
    assert TABLE.handler("credit.repair") is reports.send_repair


async def test_a_dispute_needs_a_default_and_is_decided_once(client: TestClient) -> None:
    librarian, resident = await headers(client, "librarian"), await headers(client, "resident")
    clean = await waived(client, librarian, resident)
    resp = await client.post(
        f"/api/v1/credit/waivers/{clean}/dispute", json={"reason": "x"}, headers=resident
    )
    await problem(resp, 404, "default_not_found")
    waiver_id, _, _ = await _defaulted(client)
    path = f"/api/v1/credit/waivers/{waiver_id}/dispute"
    assert (await client.post(path, json={"reason": "书已归还"}, headers=resident)).status == 201
    decided = await _decide(client, upheld=False)
    officer = await headers(client, "officer")
    listed = await client.get("/api/v1/admin/credit/disputes?status=all", headers=officer)
    assert (await listed.json())["items"] == [decided]  # the decision answers the list's shape
    again = {"upheld": True, "note": "再议"}
    decision = f"/api/v1/admin/credit/disputes/{decided['id']}/decision"
    resp = await client.post(decision, json=again, headers=officer)
    await problem(resp, 409, "dispute_decided")
    unknown = "/api/v1/admin/credit/disputes/00000000-0000-0000-0000-000000000000/decision"
    await problem(await client.post(unknown, json=again, headers=officer), 404, "dispute_not_found")
