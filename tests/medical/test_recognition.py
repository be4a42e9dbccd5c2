"""Mutual recognition: a consent code lets a clinician read recent results, once, briefly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from models.identity.residents import Resident
from models.medical.consents import MedicalConsent
from palm import keys
from services.medical import consent
from services.medical.gateway import Env
from tests.helpers import bearer, login, problem
from tests.medical.conftest import Reader, ReaderFactory

SCAN = "/api/v1/clinician/recognitions"


async def _consent_for_child(parent: Reader, kinds: list[str]) -> dict[str, Any]:
    child = (await parent.family())["child"]
    resp = await parent.client.post(
        "/api/v1/medical/consents", json={"member": child, "kinds": kinds}, headers=parent.headers
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def test_doctor_sees_lab_results_inside_the_window(
    client: TestClient, reader: ReaderFactory
) -> None:
    made = await _consent_for_child(await reader("parent"), ["lab"])
    assert made["status"] == "issued"
    assert made["code"]
    doctor = bearer(await login(client, "doctor"))
    resp = await client.post(SCAN, json={"code": made["code"]}, headers=doctor)
    assert resp.status == 201, await resp.text()
    seen = await resp.json()
    titles = sorted(r["title"] for r in seen["reports"])
    # The pneumonia visit two days ago; the blood counts of 45 and 400 days ago are too old.
    assert titles == ["C反应蛋白", "肺炎支原体抗体IgM", "血常规"]
    assert {r["kind"] for r in seen["reports"]} == {"lab"}
    crp = next(r for r in seen["reports"] if r["title"] == "C反应蛋白")["results"][0]
    assert (crp["value"], crp["flag"], crp["abnormal"]) == ("28.0", "H", True)
    assert seen["patient_name"] == "毕*轩"
    text = await resp.text()
    for secret in ("肺炎支原体肺炎", "J15.7", "371002201609010136", "毕梓轩"):
        assert secret not in text
    again = await client.get(f"{SCAN}/{seen['id']}", headers=doctor)
    assert (await again.json())["reports"] == seen["reports"]


async def test_imaging_only_when_consented(client: TestClient, reader: ReaderFactory) -> None:
    made = await _consent_for_child(await reader("parent"), ["imaging"])
    doctor = bearer(await login(client, "doctor"))
    seen = await (await client.post(SCAN, json={"code": made["code"]}, headers=doctor)).json()
    assert [(r["kind"], r["title"]) for r in seen["reports"]] == [("imaging", "胸部X线正位片")]
    assert seen["reports"][0]["conclusion"] == "右下肺炎症，请结合临床。"


async def test_nothing_after_the_consent_expires(client: TestClient, reader: ReaderFactory) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab"])
    doctor = bearer(await login(client, "doctor"))
    seen = await (await client.post(SCAN, json={"code": made["code"]}, headers=doctor)).json()
    # Ten minutes on: the consent is over.
    await MedicalConsent.filter(id=seen["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    await problem(
        await client.get(f"{SCAN}/{seen['id']}", headers=doctor), 404, "recognition_not_found"
    )
    # A code made eleven minutes ago is refused when scanned now.
    deps = client.app[keys.DEPS]
    past = Env.from_deps(deps, datetime.now(UTC) - timedelta(minutes=11))
    actor = await Resident.get(id=(await MedicalConsent.get(id=seen["id"])).resident_id)  # type: ignore[attr-defined]
    old = await consent.issue(past, actor, "self", frozenset({"lab"}))
    await problem(await client.post(SCAN, json={"code": old.text}, headers=doctor), 400, "expired")


async def test_a_code_is_used_once_and_can_be_withdrawn(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    doctor = bearer(await login(client, "doctor"))
    made = await _consent_for_child(parent, ["lab"])
    assert (await client.post(SCAN, json={"code": made["code"]}, headers=doctor)).status == 201
    await problem(
        await client.post(SCAN, json={"code": made["code"]}, headers=doctor), 400, "already_used"
    )
    withdrawn = await _consent_for_child(parent, ["lab"])
    resp = await client.post(
        f"/api/v1/medical/consents/{withdrawn['id']}/revoke", headers=parent.headers
    )
    assert (await resp.json())["status"] == "revoked"
    await problem(
        await client.post(SCAN, json={"code": withdrawn["code"]}, headers=doctor),
        409,
        "consent_not_usable",
    )
    listed = await (await client.get("/api/v1/medical/consents", headers=parent.headers)).json()
    assert [c["status"] for c in listed["consents"]] == ["revoked", "used"]
    assert all(c["code"] is None for c in listed["consents"])


async def test_only_clinicians_scan(client: TestClient, reader: ReaderFactory) -> None:
    made = await _consent_for_child(await reader("parent"), ["lab"])
    for persona in ("cashier", "resident"):
        resp = await client.post(
            SCAN, json={"code": made["code"]}, headers=bearer(await login(client, persona))
        )
        await problem(resp, 403, "forbidden_role")
    doctor = bearer(await login(client, "doctor"))
    await problem(
        await client.post(SCAN, json={"code": "NOT A CODE!!"}, headers=doctor), 400, "malformed"
    )


async def test_the_scan_is_in_the_patients_log_under_the_hospital(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab", "imaging"])
    doctor = bearer(await login(client, "doctor"))
    assert (await client.post(SCAN, json={"code": made["code"]}, headers=doctor)).status == 201
    child = (await parent.family())["child"]
    log = await (await parent.get("/api/v1/medical/access-log", member=child)).json()
    entry = log["items"][0]
    assert (entry["action"], entry["reason"]) == ("recognition", "mutual_recognition")
    assert (entry["hospital"], entry["actor"], entry["actor_is_me"]) == (
        "威海市立医院",
        "曲*博",
        False,
    )


async def test_ending_the_delegation_voids_the_consent(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    made = await _consent_for_child(parent, ["lab"])
    child = (await parent.family())["child"]
    await client.post(f"/api/v1/delegations/{child}/end", headers=parent.headers)
    doctor = bearer(await login(client, "doctor"))
    resp = await client.post(SCAN, json={"code": made["code"]}, headers=doctor)
    await problem(resp, 404, "recognition_not_found")


async def test_a_consent_for_someone_else_is_not_found(reader: ReaderFactory) -> None:
    resident = await reader("resident")
    resp = await resident.client.post(
        "/api/v1/medical/consents",
        json={"member": "00000000-0000-0000-0000-000000000000", "kinds": ["lab"]},
        headers=resident.headers,
    )
    await problem(resp, 404, "member_not_found")
