"""Reading medical records: the patient or a delegate with medical scope, every read logged.

Anyone else gets 404 (``member_not_found`` or ``record_not_found``), never 403, so ids tell
nothing. Queries to the platform always name the subject's patient id, so a record id of
someone else's simply finds nothing.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from fhir.resources.R4B.bundle import Bundle

from integrations.health.client import BinaryStream, Query
from integrations.health.fhir import RecordKind
from models.identity.residents import Resident
from models.medical.access_log import AccessAction
from services.medical import errors, mapping
from services.medical.gateway import Answer, Env, Gateway
from services.medical.readers import Reader, patient_id, reader_for


@dataclass(frozen=True, slots=True)
class Source:
    """How current the data is: served from the platform now, or cached during an outage."""

    as_of: datetime
    age_seconds: int
    stale: bool


@dataclass(frozen=True, slots=True)
class RecordPage:
    items: list[mapping.Summary]
    next_cursor: str | None
    source: Source
    bundle: Bundle


@dataclass(frozen=True, slots=True)
class RecordView:
    detail: mapping.Detail
    source: Source
    bundle: Bundle


def source_of(answer: Answer, env: Env) -> Source:
    return Source(answer.fetched_at, answer.age_seconds(env.now), answer.stale)


_PARSED: OrderedDict[tuple[str, str], tuple[Bundle, list[mapping.Summary]]] = OrderedDict()
_PARSED_SIZE = 512


def _parse_page(body: str, names_body: str, names: dict[str, mapping.Hospital]) -> tuple[
    Bundle, list[mapping.Summary]
]:  # fmt: skip
    """A cached page, validated as FHIR and summarised: once per distinct answer and hospital
    list in this process (the same text always gives the same result; validating a bundle
    again costs milliseconds), the most recently used few hundred kept."""
    key = (body, names_body)
    found = _PARSED.get(key)
    if found is not None:
        _PARSED.move_to_end(key)
        return found
    bundle = Bundle.model_validate(json.loads(body)["bundle"])
    parsed = (bundle, mapping.summaries(bundle, names))
    _PARSED[key] = parsed
    if len(_PARSED) > _PARSED_SIZE:
        _PARSED.popitem(last=False)
    return parsed


async def hospital_names(env: Env) -> tuple[dict[str, mapping.Hospital], Answer]:
    """The hospitals on the platform, by our organisation code (not personal: shared cache)."""

    async def call() -> str:
        # Kept mapped: read on every request, and parsing FHIR again costs milliseconds.
        found = mapping.hospitals(await env.client.hospitals())
        return json.dumps([[h.code, h.name_zh, h.name_en] for h in found.values()])

    answer = await Gateway(env, "public").fetch("hospitals", call)
    rows = json.loads(answer.body)
    return {code: mapping.Hospital(code, zh, en) for code, zh, en in rows}, answer


async def list_records(
    env: Env,
    actor: Resident,
    member: str,
    kind: RecordKind | None,
    query: Query,
    cursor: str | None,
) -> RecordPage:
    """One page of the member's records, newest first; ``cursor`` continues a listing."""
    reader = await reader_for(env, actor, member)
    gateway = Gateway(env, reader.owner)
    names, names_answer = await hospital_names(env)
    path = _open_cursor(env, reader, cursor) if cursor else None
    pid = await patient_id(gateway, reader)
    if pid is None:
        empty = Bundle.model_validate({"resourceType": "Bundle", "type": "searchset", "total": 0})
        return RecordPage([], None, Source(env.now, 0, False), empty)

    async def call() -> str:
        page = await (env.client.page(path) if path else env.client.records(pid, kind, query))
        return json.dumps({"next": page.next, "bundle": page.bundle.model_dump(mode="json")})

    described = path or f"{kind}:{query.since}:{query.until}:{query.hospital}:{query.count}"
    answer = await gateway.fetch(f"page:{described}", call, caller_query=True)
    bundle, parsed = _parse_page(answer.body, names_answer.body, names)
    items = list(parsed)
    access = reader.access(AccessAction.LIST, detail={"kind": kind or "all", "count": len(items)})
    await env.log_access(access)
    following = json.loads(answer.body)["next"]
    next_cursor = _seal_cursor(env, reader, following) if following else None
    return RecordPage(items, next_cursor, source_of(answer, env), bundle)


async def _view(env: Env, reader: Reader, record_id: str) -> RecordView:
    resource_type, resource_id = mapping.parse_record_id(record_id)
    gateway = Gateway(env, reader.owner)
    names, _ = await hospital_names(env)
    pid = await patient_id(gateway, reader)
    if pid is None:
        raise errors.record_not_found()

    async def call() -> str:
        return (await env.client.record(pid, resource_type, resource_id)).model_dump_json()

    answer = await gateway.fetch(f"record:{resource_type}/{resource_id}", call)
    bundle = Bundle.model_validate_json(answer.body)
    return RecordView(mapping.detail(bundle, names), source_of(answer, env), bundle)


async def get_record(env: Env, actor: Resident, member: str, record_id: str) -> RecordView:
    """A record with its results, reference ranges and abnormal flags (or a visit's reports)."""
    reader = await reader_for(env, actor, member)
    view = await _view(env, reader, record_id)
    access = reader.access(AccessAction.READ, record_ref=record_id, detail=_about(view.detail))
    await env.log_access(access)
    return view


@asynccontextmanager
async def document(
    env: Env, actor: Resident, member: str, record_id: str
) -> AsyncIterator[BinaryStream]:
    """The report file of a record, streamed from the platform (logged before it flows)."""
    reader = await reader_for(env, actor, member)
    view = await _view(env, reader, record_id)
    doc = view.detail.document
    if doc is None:
        raise errors.document_not_found()
    async with Gateway(env, reader.owner).binary(doc.path) as stream:
        about = _about(view.detail)
        access = reader.access(AccessAction.DOCUMENT, record_ref=record_id, detail=about)
        await env.log_access(access)
        yield stream


def _about(detail: mapping.Detail) -> dict[str, Any]:
    hospital = detail.summary.hospital
    return {
        "title": detail.summary.title,
        "kind": detail.summary.kind,
        "hospital": hospital.name_zh if hospital else None,
    }


def _cursor_field(reader: Reader) -> str:
    # Bound to whoever listed: a cursor is useless to anyone else, and cannot be edited.
    return f"medical_cursor:{reader.owner}"


def _seal_cursor(env: Env, reader: Reader, path: str) -> str:
    return env.cipher.encrypt(path, field=_cursor_field(reader))


def _open_cursor(env: Env, reader: Reader, cursor: str) -> str:
    try:
        return env.cipher.decrypt(cursor, field=_cursor_field(reader))
    except (ValueError, KeyError, InvalidTag):
        raise errors.cursor_invalid() from None
