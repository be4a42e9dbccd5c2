"""FHIR resources built from ``simdata``: what the simulated platform holds and serves."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from integrations.health import pdf
from integrations.health.fhir import (
    CATEGORIES,
    CATEGORY_SYSTEM,
    ENCOUNTER_CLASS_SYSTEM,
    ICD10,
    IDENTIFIER_SYSTEMS,
    INTERPRETATION_SYSTEM,
    LOINC,
    ORGANISATION_SYSTEM,
    UCUM,
)
from integrations.health.sim.data import HISTORY, HOSPITALS, ITEMS, RANGES, Imaging, Lab, Visit
from integrations.simworld import Person

Resource = dict[str, Any]
CST = timezone(timedelta(hours=8))
_NS = uuid.UUID("6a1f3c52-9d4e-4f0b-8a7e-2c1d5b9e7f30")
_CLASSES = {"AMB": "门诊", "EMER": "急诊", "IMP": "住院"}
_LOCAL_CODES = "urn:weihai-health:item"
_DOCUMENT_TYPES = {
    "lab": ("11502-2", "Laboratory report"),
    "imaging": ("18748-4", "Diagnostic imaging study"),
}


@dataclass
class Store:
    """Resources by type and id, and report files by Binary id."""

    resources: dict[str, dict[str, Resource]] = field(default_factory=dict)
    binaries: dict[str, bytes] = field(default_factory=dict)

    def add(self, resource: Resource) -> None:
        self.resources.setdefault(resource["resourceType"], {})[resource["id"]] = resource

    def of_type(self, resource_type: str) -> list[Resource]:
        return list(self.resources.get(resource_type, {}).values())


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "/".join(str(p) for p in parts)))


def _ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _code(code: str, text: str) -> dict[str, Any]:
    system = LOINC if code[0].isdigit() else _LOCAL_CODES
    return {"coding": [{"system": system, "code": code, "display": text}], "text": text}


def organization(code: str) -> Resource:
    name_zh, name_en = HOSPITALS[code]
    return {
        "resourceType": "Organization", "id": code, "active": True, "name": name_zh,
        "alias": [name_en],
        "identifier": [{"system": ORGANISATION_SYSTEM, "value": code}],
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type",
                              "code": "prov", "display": "Healthcare Provider"}]}],
        "address": [{"city": "威海市", "state": "山东省", "country": "CN"}],
    }  # fmt: skip


def patient(person: Person) -> Resource:
    return {
        "resourceType": "Patient", "id": _id(person.key, "patient"), "active": True,
        "identifier": [{"system": IDENTIFIER_SYSTEMS[person.id_type], "value": person.id_number}],
        "name": [{"use": "official", "text": person.name}],
        "gender": "male" if person.sex == "M" else "female",
        "birthDate": person.birth_date.isoformat(),
    }  # fmt: skip


def _range(item: str, person: Person, on: date) -> tuple[float | None, float | None]:
    child = person.age_on(on) < 14
    for key in (f"{item}:child" if child else "", f"{item}:{person.sex}", item):
        if key in RANGES:
            return RANGES[key]
    return None, None


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}-{high:g}"
    return f"<{high:g}" if high is not None else f">{low:g}" if low is not None else ""


def _observation(
    item: str, value: float | str, person: Person, base: Resource, when: datetime
) -> Resource:
    code, name, unit, ucum = ITEMS[item]
    obs = {**base, "resourceType": "Observation", "code": _code(code, name),
           "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                     "observation-category", "code": "laboratory"}]}]}  # fmt: skip
    if isinstance(value, str):
        flag = "POS" if value == "阳性" else "NEG"
        obs["valueString"] = value
        obs["referenceRange"] = [{"text": "阴性"}]
    else:
        low, high = _range(item, person, when.date())
        flag = "H" if high is not None and value > high else "N"
        flag = "L" if low is not None and value < low else flag
        obs["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": ucum}
        bounds: dict[str, Any] = {"text": _range_text(low, high)}
        for side, bound in (("low", low), ("high", high)):
            if bound is not None:
                bounds[side] = {"value": bound, "unit": unit, "system": UCUM, "code": ucum}
        obs["referenceRange"] = [bounds]
    obs["interpretation"] = [{"coding": [{"system": INTERPRETATION_SYSTEM, "code": flag}]}]
    return obs


def _report(
    store: Store,
    person: Person,
    visit: Visit,
    report: Lab | Imaging,
    ids: tuple[str, str, str],
    when: datetime,
) -> None:
    pid, encounter_id, report_id = ids
    base = {"status": "final", "subject": _ref("Patient", pid),
            "encounter": _ref("Encounter", encounter_id),
            "effectiveDateTime": when.isoformat(),
            "issued": (when + timedelta(hours=3)).isoformat(),
            "performer": [_ref("Organization", visit.hospital)]}  # fmt: skip
    category = {"coding": [{"system": CATEGORY_SYSTEM, "code": CATEGORIES[report.kind]}]}
    lines: list[str] = []
    results = []
    if isinstance(report, Lab):
        for index, (item, value) in enumerate(report.results):
            obs = _observation(item, value, person, {**base, "id": _id(report_id, index)}, when)
            store.add(obs)
            results.append(_ref("Observation", obs["id"]))
            _, name, unit, _ = ITEMS[item]
            lines.append(f"{name}  {value} {unit}  参考范围 {obs['referenceRange'][0]['text']}")
        extra: dict[str, Any] = {"result": results}
    else:
        obs = {**base, "id": _id(report_id, "findings"), "resourceType": "Observation",
               "code": {"text": "检查所见"}, "valueString": report.findings}  # fmt: skip
        store.add(obs)
        extra = {"result": [_ref("Observation", obs["id"])], "conclusion": report.impression}
        lines += [f"检查所见：{report.findings}", f"检查提示：{report.impression}"]
    code = _code(report.code, report.title)
    store.add({**base, "resourceType": "DiagnosticReport", "id": report_id,
               "category": [category], "code": code, **extra})  # fmt: skip
    _document(store, person, visit, report, ids, when, lines)


def _document(
    store: Store,
    person: Person,
    visit: Visit,
    report: Lab | Imaging,
    ids: tuple[str, str, str],
    when: datetime,
    lines: list[str],
) -> None:
    pid, encounter_id, report_id = ids
    hospital = HOSPITALS[visit.hospital][0]
    header = [
        f"姓名：{person.name}    科室：{visit.department}",
        f"报告日期：{when:%Y-%m-%d %H:%M}",
    ]
    body = pdf.report_pdf(f"{hospital} {report.title}报告单", header + lines)
    binary_id = _id(report_id, "pdf")
    store.binaries[binary_id] = body
    loinc = _DOCUMENT_TYPES[report.kind]
    store.add({
        "resourceType": "DocumentReference", "id": _id(report_id, "document"),
        "status": "current", "docStatus": "final", "subject": _ref("Patient", pid),
        "type": {"coding": [{"system": LOINC, "code": loinc[0], "display": loinc[1]}]},
        "date": (when + timedelta(hours=3)).isoformat(), "description": f"{report.title}报告单",
        "author": [_ref("Organization", visit.hospital)],
        "content": [{"attachment": {
            "contentType": "application/pdf", "url": f"Binary/{binary_id}", "size": len(body),
            "hash": base64.b64encode(hashlib.sha1(body).digest()).decode(),  # noqa: S324 (FHIR's)
            "title": f"{report.title}报告单.pdf", "creation": when.isoformat()}}],
        "context": {"encounter": [_ref("Encounter", encounter_id)],
                    "related": [_ref("DiagnosticReport", report_id)]},
    })  # fmt: skip


def add_history(store: Store, person: Person, visits: tuple[Visit, ...], now: datetime) -> None:
    """The person's Patient resource, and a visit with its reports for each of ``visits``."""
    pid = patient(person)["id"]
    store.add(patient(person))
    for number, visit in enumerate(visits):
        start = (now - timedelta(days=visit.days_ago)).astimezone(CST)
        start = start.replace(
            hour=8 + number % 4, minute=10 * (number % 6), second=0, microsecond=0
        )
        encounter_id = _id(person.key, "visit", number)
        store.add({
            "resourceType": "Encounter", "id": encounter_id, "status": "finished",
            "class": {"system": ENCOUNTER_CLASS_SYSTEM, "code": visit.encounter_class,
                      "display": _CLASSES[visit.encounter_class]},
            "type": [{"text": _CLASSES[visit.encounter_class]}],
            "serviceType": {"text": visit.department}, "subject": _ref("Patient", pid),
            "period": {"start": start.isoformat(),
                       "end": (start + timedelta(hours=2)).isoformat()},
            "reasonCode": [{"coding": [{"system": ICD10, "code": visit.diagnosis[0],
                                        "display": visit.diagnosis[1]}],
                            "text": visit.diagnosis[1]}],
            "serviceProvider": _ref("Organization", visit.hospital),
        })  # fmt: skip
        for index, report in enumerate(visit.reports):
            when = start + timedelta(minutes=40 + 15 * index)
            ids = (pid, encounter_id, _id(person.key, "report", number, index))
            _report(store, person, visit, report, ids, when)


def seeded_store(people: dict[str, Person], now: datetime | None = None) -> Store:
    """Every hospital, and the history of each person in ``people`` that has one."""
    now = now or datetime.now(UTC)
    store = Store()
    for code in HOSPITALS:
        store.add(organization(code))
    for key, person in people.items():
        add_history(store, person, HISTORY.get(key, ()), now)
    return store
