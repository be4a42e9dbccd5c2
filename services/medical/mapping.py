"""FHIR resources mapped to our own small records: what the mini-program shows, nothing more."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization

from integrations.health.fhir import KINDS_BY_CATEGORY, ORGANISATION_SYSTEM, RecordKind
from services.medical import errors

_RECORD_ID = re.compile(r"^([vr])\.([A-Za-z0-9\-.]{1,64})$")
_TYPES = {"v": "Encounter", "r": "DiagnosticReport"}
_NORMAL_FLAGS = frozenset({"N", "NEG", "S"})


@dataclass(frozen=True, slots=True)
class Hospital:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    code: str | None
    value: str
    unit: str | None
    reference_range: str | None
    flag: str | None  # HL7 interpretation: H, L, N, POS, NEG, A…
    abnormal: bool


@dataclass(frozen=True, slots=True)
class Summary:
    id: str
    kind: RecordKind
    title: str
    date: datetime
    hospital: Hospital | None
    department: str | None


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    content_type: str
    size: int | None
    path: str  # the platform's Binary path: used by the server, never shown


@dataclass(frozen=True, slots=True)
class Detail:
    summary: Summary
    status: str
    issued: datetime | None
    results: list[Result]
    findings: str | None
    conclusion: str | None
    diagnoses: list[str]  # visits only; never part of recognition
    reports: list[Summary]  # a visit's reports
    document: Document | None


def parse_record_id(record_id: str) -> tuple[str, str]:
    """(FHIR resource type, id) of one of our record ids; anything else is not found."""
    match = _RECORD_ID.match(record_id)
    if match is None:
        raise errors.record_not_found()
    return _TYPES[match.group(1)], match.group(2)


def hospitals(bundle: Bundle) -> dict[str, Hospital]:
    """Hospitals by our organisation code (the platform's Organization id is the same)."""
    out = {}
    for org in _resources(bundle, Organization):
        code = next(
            (i.value for i in org.identifier or [] if i.system == ORGANISATION_SYSTEM), None
        )
        if code and org.name:
            out[str(code)] = Hospital(str(code), str(org.name), str((org.alias or [org.name])[0]))
    return out


def summaries(bundle: Bundle, names: Mapping[str, Hospital]) -> list[Summary]:
    """The matches of a search page, in the platform's order."""
    out = []
    for entry in bundle.entry or []:
        if entry.search is not None and entry.search.mode not in (None, "match"):
            continue
        summary = _summary(entry.resource, names)
        if summary is not None:
            out.append(summary)
    return out


def detail(bundle: Bundle, names: Mapping[str, Hospital]) -> Detail:
    """The record a ``HealthClient.record`` bundle is about; NotFound when it is empty."""
    main = next((s for s in summaries(bundle, names)), None)
    resource = next((e.resource for e in bundle.entry or [] if _summary(e.resource, names)), None)
    if main is None or resource is None:
        raise errors.record_not_found()
    if isinstance(resource, DiagnosticReport):
        return report_detail(resource, bundle, main)
    if not isinstance(resource, Encounter):
        raise errors.record_not_found()
    reports = [s for s in _included(bundle, names) if s.id != main.id]
    diagnoses = [str(c.text) for c in resource.reasonCode or [] if c.text]
    return Detail(main, str(resource.status), None, [], None, None, diagnoses, reports, None)


def report_detail(report: DiagnosticReport, bundle: Bundle, main: Summary) -> Detail:
    """A report with its results (included Observations) and its file, if any."""
    observations = {o.id: o for o in _resources(bundle, Observation)}
    results, findings = [], None
    for ref in report.result or []:
        obs = observations.get(str(ref.reference).removeprefix("Observation/"))
        if obs is None:
            continue
        if main.kind == "imaging" and obs.valueString:
            findings = str(obs.valueString)
        else:
            results.append(_result(obs))
    document = next((_document(d) for d in _resources(bundle, DocumentReference)), None)
    conclusion = str(report.conclusion) if report.conclusion else None
    status, issued = str(report.status), report.issued
    return Detail(main, status, issued, results, findings, conclusion, [], [], document)


def reports_with_results(bundle: Bundle, names: Mapping[str, Hospital]) -> list[Detail]:
    """Every matched report of a search made with ``_include=DiagnosticReport:result``."""
    out = []
    for report in _resources(bundle, DiagnosticReport):
        summary = _summary(report, names)
        if summary is not None:
            out.append(report_detail(report, bundle, summary))
    return out


def fhir_bundle(bundle: Bundle, next_url: str | None) -> dict[str, Any]:
    """The platform's resources as our own FHIR Bundle: no platform URLs, our next link."""
    out: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": bundle.total if bundle.total is not None else 0,
    }
    if next_url:
        out["link"] = [{"relation": "next", "url": next_url}]
    out["entry"] = [
        {
            "resource": e.resource.model_dump(mode="json", exclude_none=True),
            "search": {"mode": e.search.mode if e.search and e.search.mode else "match"},
        }
        for e in bundle.entry or []
        if e.resource is not None
    ]
    return out


def _resources(bundle: Bundle, kind: type[Any]) -> list[Any]:
    return [e.resource for e in bundle.entry or [] if isinstance(e.resource, kind)]


def _included(bundle: Bundle, names: Mapping[str, Hospital]) -> list[Summary]:
    found = [_summary(r, names) for r in _resources(bundle, DiagnosticReport)]
    return [s for s in found if s is not None]


def _org(reference: Any, names: Mapping[str, Hospital]) -> Hospital | None:
    code = str(getattr(reference, "reference", "") or "").removeprefix("Organization/")
    return names.get(code) or (Hospital(code, code, code) if code else None)


def _summary(resource: Any, names: Mapping[str, Hospital]) -> Summary | None:
    if isinstance(resource, Encounter) and resource.period and resource.period.start:
        department = resource.serviceType.text if resource.serviceType else None
        kind_text = resource.class_fhir.display if resource.class_fhir else None
        title = " · ".join(str(t) for t in (kind_text, department) if t) or "就诊"
        hospital = _org(resource.serviceProvider, names)
        start = resource.period.start
        return Summary(f"v.{resource.id}", "visit", title, start, hospital, department)
    if isinstance(resource, DiagnosticReport) and resource.effectiveDateTime:
        codes = [str(c.code) for cat in resource.category or [] for c in cat.coding or []]
        kind = next((KINDS_BY_CATEGORY[c] for c in codes if c in KINDS_BY_CATEGORY), None)
        if kind is None:
            return None
        hospital = _org(resource.performer[0], names) if resource.performer else None
        title = str(resource.code.text or "检查检验报告")
        kind_name: RecordKind = "lab" if kind == "lab" else "imaging"
        return Summary(
            f"r.{resource.id}", kind_name, title, resource.effectiveDateTime, hospital, None
        )
    return None


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _range_text(obs: Observation) -> str | None:
    if not obs.referenceRange:
        return None
    rng = obs.referenceRange[0]
    if rng.text:
        return str(rng.text)
    low = _number(rng.low.value if rng.low else None)
    high = _number(rng.high.value if rng.high else None)
    return f"{low}-{high}"


def _result(obs: Observation) -> Result:
    flags = [str(c.code) for i in obs.interpretation or [] for c in i.coding or [] if c.code]
    flag = flags[0] if flags else None
    quantity = obs.valueQuantity
    value = _number(quantity.value) if quantity is not None else str(obs.valueString or "")
    unit = str(quantity.unit) if quantity is not None and quantity.unit else None
    code = next((str(c.code) for c in obs.code.coding or [] if c.code), None)
    name = str(obs.code.text or code or "")
    abnormal = flag is not None and flag not in _NORMAL_FLAGS
    return Result(name, code, value, unit, _range_text(obs), flag, abnormal)


def _document(doc: DocumentReference) -> Document | None:
    attachment = doc.content[0].attachment if doc.content else None
    if attachment is None or not attachment.url:
        return None
    title = str(attachment.title or doc.description or "report.pdf")
    content_type = str(attachment.contentType or "application/pdf")
    return Document(title, content_type, attachment.size, str(attachment.url))
