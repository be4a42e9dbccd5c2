"""Who may read which records: the patient, a parent for a minor child, a child for a parent."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient
from fhir.resources.R4B.bundle import Bundle

from integrations.health.sim.data import HISTORY
from integrations.simworld import PEOPLE
from tests.helpers import bearer, login, problem
from tests.medical.conftest import Reader, ReaderFactory

MOTHER = PEOPLE["parent_mother"]


def _titles(page: dict[str, object]) -> set[str]:
    return {r["title"] for r in page["records"]}  # type: ignore[attr-defined,index]


def _count(key: str) -> int:
    return sum(1 + len(v.reports) for v in HISTORY[key])


async def test_parent_reads_own_and_childs_records(reader: ReaderFactory) -> None:
    parent = await reader("parent")
    own = await parent.records()
    assert len(own["records"]) == _count("parent")
    assert "乳腺彩色多普勒超声" in _titles(own)
    family = await parent.family()
    child = await parent.records(member=family["child"], limit=50)
    assert len(child["records"]) == _count("parent_child")
    assert {"肺炎支原体抗体IgM", "胸部X线正位片", "门诊 · 儿科"} <= _titles(child)
    assert not _titles(own) & {"肺炎支原体抗体IgM"}


async def test_parent_reads_mother_only_after_she_confirms(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    seeded = (await parent.family())["parent"]
    resp = await client.post(f"/api/v1/delegations/{seeded}/end", headers=parent.headers)
    assert resp.status == 200
    await problem(
        await parent.get("/api/v1/medical/records", member=seeded), 404, "member_not_found"
    )
    resp = await client.post(
        "/api/v1/delegations",
        json={
            "relation": "parent",
            "name": MOTHER.name,
            "id_number": MOTHER.id_number,
            "scopes": ["medical"],
        },
        headers=parent.headers,
    )
    pending = await resp.json()
    assert pending["status"] == "pending"
    await problem(
        await parent.get("/api/v1/medical/records", member=pending["id"]), 404, "member_not_found"
    )
    mother = await login(client, "parent_mother")
    resp = await client.post(f"/api/v1/delegations/{pending['id']}/confirm", headers=bearer(mother))
    assert resp.status == 200, await resp.text()
    page = await parent.records(member=pending["id"])
    assert {"右膝关节磁共振平扫", "双能X线骨密度测定"} <= _titles(page)


async def test_a_delegation_without_medical_scope_reads_nothing(
    client: TestClient, reader: ReaderFactory
) -> None:
    resident = await reader("resident")
    elder = PEOPLE["elder"]
    resp = await client.post(
        "/api/v1/delegations",
        json={
            "relation": "parent",
            "name": elder.name,
            "id_number": elder.id_number,
            "scopes": ["transit"],
        },
        headers=resident.headers,
    )
    row = await resp.json()
    resp = await client.post(
        f"/api/v1/delegations/{row['id']}/confirm", headers=bearer(await login(client, "elder"))
    )
    assert resp.status == 200
    await problem(
        await resident.get("/api/v1/medical/records", member=row["id"]), 404, "member_not_found"
    )


async def test_unrelated_records_are_not_found_never_forbidden(reader: ReaderFactory) -> None:
    resident, parent = await reader("resident"), await reader("parent")
    theirs = (await resident.records(kind="lab"))["records"][0]["id"]
    family = await parent.family()
    for member in ("self", family["child"], family["parent"]):
        resp = await parent.get(f"/api/v1/medical/records/{theirs}", member=member)
        await problem(resp, 404, "record_not_found")
        resp = await parent.get(f"/api/v1/medical/records/{theirs}/document", member=member)
        await problem(resp, 404, "record_not_found")
    for member in (str(uuid.uuid4()), "someone", family["child"]):
        resp = await resident.get("/api/v1/medical/records", member=member)
        await problem(resp, 404, "member_not_found")
    for bad in ("x", "r.", "v.a b", "r." + "a" * 65, "q.abc"):
        await problem(await parent.get(f"/api/v1/medical/records/{bad}"), 404, "record_not_found")


async def test_a_report_has_results_ranges_and_flags(reader: ReaderFactory) -> None:
    parent = await reader("parent")
    labs = await parent.records(kind="lab")
    cbc = next(r for r in labs["records"] if r["title"] == "血常规")
    report = await parent.record(cbc["id"])
    hgb = next(r for r in report["results"] if r["name"] == "血红蛋白")
    assert hgb == {
        "name": "血红蛋白",
        "code": "718-7",
        "value": "102",
        "unit": "g/L",
        "reference_range": "115-150",
        "flag": "L",
        "abnormal": True,
    }
    plt = next(r for r in report["results"] if r["name"] == "血小板计数")
    assert (plt["flag"], plt["abnormal"]) == ("N", False)
    assert report["hospital"]["name_zh"] == "威海市立医院"
    assert report["document"]["content_type"] == "application/pdf"


async def test_a_visit_shows_its_diagnosis_and_reports(reader: ReaderFactory) -> None:
    parent = await reader("parent")
    child = (await parent.family())["child"]
    visits = await parent.records(member=child, kind="visit")
    latest = await parent.record(visits["records"][0]["id"], member=child)
    assert latest["diagnoses"] == ["肺炎支原体肺炎"]
    assert latest["department"] == "儿科"
    assert {r["title"] for r in latest["reports"]} == {
        "血常规",
        "C反应蛋白",
        "肺炎支原体抗体IgM",
        "胸部X线正位片",
    }
    xray = next(r for r in latest["reports"] if r["kind"] == "imaging")
    imaging = await parent.record(xray["id"], member=child)
    assert imaging["findings"].startswith("右下肺野")
    assert imaging["conclusion"] == "右下肺炎症，请结合临床。"


async def test_pages_follow_cursors_bound_to_the_reader(reader: ReaderFactory) -> None:
    elder, resident = await reader("elder"), await reader("resident")
    page = await elder.records(kind="lab", limit=5)
    seen = [r["id"] for r in page["records"]]
    first_cursor = page["next_cursor"]
    while page["next_cursor"]:
        page = await elder.records(cursor=page["next_cursor"])
        seen += [r["id"] for r in page["records"]]
    assert (
        len(seen)
        == len(set(seen))
        == sum(1 for v in HISTORY["elder"] for r in v.reports if r.kind == "lab")
    )
    dates = [r["date"] for r in page["records"]]
    assert dates == sorted(dates, reverse=True)
    resp = await resident.get("/api/v1/medical/records", cursor=first_cursor)
    await problem(resp, 400, "cursor_invalid")
    resp = await elder.get("/api/v1/medical/records", cursor=first_cursor[:-4] + "AAAA")
    await problem(resp, 400, "cursor_invalid")


async def test_filters_by_date_and_hospital(reader: ReaderFactory) -> None:
    elder = await reader("elder")
    central = await elder.records(hospital="weihai-central-hospital")
    assert {r["hospital"]["code"] for r in central["records"]} == {"weihai-central-hospital"}
    recent = await elder.records(**{"from": "2000-01-01", "to": "2000-12-31"})
    assert recent["records"] == []
    resp = await elder.get("/api/v1/medical/records", kind="dental")
    await problem(resp, 422, "validation_failed")


async def test_report_file_is_streamed(reader: ReaderFactory) -> None:
    parent = await reader("parent")
    report = await parent.record((await parent.records(kind="imaging"))["records"][0]["id"])
    resp = await parent.get(report["document"]["url"])
    assert resp.status == 200
    assert resp.content_type == "application/pdf"
    body = await resp.read()
    assert body.startswith(b"%PDF-")
    assert len(body) == report["document"]["size"]


async def test_fhir_only_when_asked(client: TestClient, reader: ReaderFactory) -> None:
    parent = await reader("parent")
    fhir = {**parent.headers, "Accept": "application/fhir+json"}
    resp = await client.get(
        "/api/v1/medical/records", params={"kind": "lab", "limit": "1"}, headers=fhir
    )
    assert resp.content_type == "application/fhir+json"
    bundle = Bundle.model_validate_json(await resp.read())
    assert bundle.entry[0].resource.__class__.__name__ == "DiagnosticReport"  # type: ignore[index]
    assert "cursor=" in str(bundle.link[0].url)  # type: ignore[index]
    assert "127.0.0.1" not in (await resp.text()).replace(str(bundle.link[0].url), "")  # type: ignore[index]
    record_id = "r." + str(bundle.entry[0].resource.id)  # type: ignore[index,union-attr]
    resp = await client.get(f"/api/v1/medical/records/{record_id}", headers=fhir)
    detail = Bundle.model_validate_json(await resp.read())
    assert {e.resource.__class__.__name__ for e in detail.entry or []} == {
        "DiagnosticReport",
        "Observation",
        "DocumentReference",
    }
    plain = await parent.record(record_id)
    assert plain["id"] == record_id


async def test_hospitals(reader: ReaderFactory) -> None:
    parent = await reader("parent")
    resp = await parent.get("/api/v1/medical/hospitals")
    body = await resp.json()
    assert len(body["hospitals"]) >= 3
    assert {
        "code": "weihai-municipal-hospital",
        "name_zh": "威海市立医院",
        "name_en": "Weihai Municipal Hospital",
    } in body["hospitals"]


async def test_records_need_a_verified_real_name(client: TestClient, reader: ReaderFactory) -> None:
    from tests.helpers import new_wechat_user

    stranger = Reader(client, await new_wechat_user(client, "o-medical-stranger"))
    await problem(await stranger.get("/api/v1/medical/records"), 403, "real_name_required")


async def test_foreigner_reads_own_records(reader: ReaderFactory) -> None:
    foreigner = await reader("foreigner")
    page = await foreigner.records()
    assert "左踝关节X线正侧位片" in _titles(page)
