"""FHIR search over the simulator's store: the parameters our adapter uses, strictly checked.

Supported: ``_id``, ``patient``, ``date`` (ge/gt/le/lt/eq), ``category``, ``service-provider``,
``performer``, ``_sort`` (date), ``_count``, ``_offset`` (paging), ``_type`` (system search),
``_include=DiagnosticReport:result``, ``_revinclude=DocumentReference:related`` and
``_revinclude=DiagnosticReport:encounter``. Anything else is refused, as a strict server would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from multidict import MultiMapping

from integrations.health.sim.seed import CST, Resource, Store

CLINICAL = ("Encounter", "DiagnosticReport", "Observation", "DocumentReference")
_PARAMS = {
    "_id",
    "patient",
    "date",
    "category",
    "service-provider",
    "performer",
    "_sort",
    "_count",
    "_offset",
    "_type",
    "_include",
    "_revinclude",
}
_INCLUDES = {
    ("_include", "DiagnosticReport:result"),
    ("_revinclude", "DocumentReference:related"),
    ("_revinclude", "DiagnosticReport:encounter"),
}
MAX_COUNT = 100
MIN_YEAR, MAX_YEAR = 2, 9998


class SearchError(ValueError):
    """A search the platform refuses (answered 400 with an OperationOutcome)."""


@dataclass(frozen=True, slots=True)
class Result:
    matches: list[Resource]
    included: list[Resource]
    total: int
    offset: int
    count: int


def clinical_date(resource: Resource) -> datetime:
    raw = (
        resource.get("effectiveDateTime")
        or resource.get("period", {}).get("start")
        or resource.get("date")
        or "1970-01-01T00:00:00+08:00"
    )
    return datetime.fromisoformat(raw)


def _reference(resource: Resource, *path: str) -> set[str]:
    value: Any = resource
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    items = value if isinstance(value, list) else [value]
    return {item["reference"] for item in items if isinstance(item, dict) and "reference" in item}


def _date_filter(expression: str) -> tuple[str, datetime]:
    prefix, value = (
        (expression[:2], expression[2:]) if expression[:2].isalpha() else ("eq", expression)
    )
    if prefix not in ("eq", "ge", "gt", "le", "lt"):
        raise SearchError(f"unsupported date prefix {prefix}")
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=CST)
            # A day is a range: ge/eq compare with its start, le/gt with its end.
            bound = start + timedelta(days=1) if prefix in ("le", "gt") else start
        else:
            bound = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise SearchError(f"bad date {value!r}") from None
    # The first and last years cannot be compared across zones, nor an eq day end in year 1
    # or 9999: a strict server refuses them rather than fail.
    if not MIN_YEAR <= bound.year <= MAX_YEAR:
        raise SearchError(f"date {value!r} is outside {MIN_YEAR}..{MAX_YEAR}")
    return prefix, bound if bound.tzinfo else bound.replace(tzinfo=CST)


def _matches_date(when: datetime, prefix: str, bound: datetime) -> bool:
    return {
        "ge": when >= bound,
        "gt": when >= bound,
        "le": when < bound,
        "lt": when < bound,
        "eq": bound <= when < bound + timedelta(days=1),
    }[prefix]


def _keep(resource: Resource, name: str, value: str) -> bool:
    if name == "_id":
        return resource["id"] in value.split(",")
    if name == "patient":
        return f"Patient/{value}" in _reference(resource, "subject")
    if name == "date":
        return _matches_date(clinical_date(resource), *_date_filter(value))
    if name == "category":
        system, _, code = value.rpartition("|")
        codings = [c for cat in resource.get("category", []) for c in cat.get("coding", [])]
        return any(c["code"] == code and system in ("", c.get("system")) for c in codings)
    if name == "service-provider":
        applies = resource["resourceType"] == "Encounter"
        return not applies or value in _reference(resource, "serviceProvider")
    if name == "performer":
        applies = resource["resourceType"] == "DiagnosticReport"
        return not applies or value in _reference(resource, "performer")
    return True


def search(store: Store, types: Iterable[str], query: MultiMapping[str]) -> Result:
    """Matches of one page of a search, and what its includes bring along."""
    types = list(types)
    unknown = set(query) - _PARAMS
    if unknown:
        raise SearchError(f"unknown search parameters: {', '.join(sorted(unknown))}")
    if any(t in CLINICAL for t in types) and "patient" not in query:
        raise SearchError("clinical searches must name a patient")
    try:
        count = min(MAX_COUNT, max(1, int(query.get("_count", "20"))))
        offset = max(0, int(query.get("_offset", "0")))
    except ValueError:
        raise SearchError("_count and _offset are integers") from None
    for value in query.getall("date", []):
        _date_filter(value)  # refused whether or not anything would match
    matches = [r for t in types for r in store.of_type(t)]
    for name, value in query.items():
        if not name.startswith("_") or name == "_id":
            matches = [r for r in matches if _keep(r, name, value)]
    if query.get("_sort", "-date") not in ("date", "-date"):
        raise SearchError("only _sort=date or -date")
    matches.sort(key=clinical_date, reverse=query.get("_sort", "-date") == "-date")
    page = matches[offset : offset + count]
    return Result(page, _included(store, page, query), len(matches), offset, count)


def _included(store: Store, page: list[Resource], query: MultiMapping[str]) -> list[Resource]:
    asked = {(k, v) for k, v in query.items() if k in ("_include", "_revinclude")}
    if asked - _INCLUDES:
        raise SearchError("unsupported _include or _revinclude")
    refs = {f"{r['resourceType']}/{r['id']}" for r in page}
    out: list[Resource] = []
    if ("_include", "DiagnosticReport:result") in asked:
        wanted = {ref for r in page for ref in _reference(r, "result")}
        out += [o for o in store.of_type("Observation") if f"Observation/{o['id']}" in wanted]
    if ("_revinclude", "DocumentReference:related") in asked:
        out += [
            d
            for d in store.of_type("DocumentReference")
            if _reference(d, "context", "related") & refs
        ]
    if ("_revinclude", "DiagnosticReport:encounter") in asked:
        out += [d for d in store.of_type("DiagnosticReport") if _reference(d, "encounter") & refs]
    return out
