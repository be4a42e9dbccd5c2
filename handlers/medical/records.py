"""Medical records (病历掌上查): one's own and family's records, and who read them.

``member`` is ``self`` or the id of a delegation with medical scope; anything else is 404.
Records are our own small models; send ``Accept: application/fhir+json`` for FHIR R4.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import ConfigDict, Field

from integrations.health.client import Query
from integrations.health.fhir import FHIR_JSON
from models.identity.residents import Resident
from models.medical.access_log import AccessAction, AccessReason
from palm import keys
from palm.api import Api, ApiModel
from palm.lists import DayRange, PageQuery
from services.identity import residents
from services.medical import history, mapping, records
from services.medical.gateway import Env

api = Api("medical")
Member = Field("self", max_length=36, description="self, or a delegation id (medical scope)")


class _Out(ApiModel):
    model_config = ConfigDict(extra="forbid", frozen=True, from_attributes=True)


class MedicalHospitalOut(_Out):
    code: str
    name_zh: str
    name_en: str


class MedicalSourceOut(_Out):
    as_of: datetime = Field(description="When the health platform gave this data")
    age_seconds: int
    stale: bool = Field(description="true: the platform is unreachable; this is cached data")


class MedicalHospitalsOut(ApiModel):
    hospitals: list[MedicalHospitalOut]
    source: MedicalSourceOut


class RecordSummaryOut(_Out):
    id: str
    kind: Literal["visit", "lab", "imaging"]
    title: str
    date: datetime
    hospital: MedicalHospitalOut | None
    department: str | None


class RecordsOut(ApiModel):
    records: list[RecordSummaryOut]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page")
    source: MedicalSourceOut


class LabResultOut(_Out):
    name: str
    code: str | None
    value: str
    unit: str | None
    reference_range: str | None
    flag: str | None = Field(description="HL7 interpretation: H, L, N, POS, NEG…")
    abnormal: bool


class RecordDocumentOut(ApiModel):
    title: str
    content_type: str
    size: int | None
    url: str


class RecordOut(RecordSummaryOut):
    status: str
    issued: datetime | None
    results: list[LabResultOut]
    findings: str | None = Field(description="Imaging: 检查所见")
    conclusion: str | None = Field(description="Imaging: 检查提示")
    diagnoses: list[str] = Field(description="Visits: the diagnoses")
    reports: list[RecordSummaryOut] = Field(description="Visits: the reports made")
    document: RecordDocumentOut | None
    source: MedicalSourceOut


class RecordsQuery(DayRange):
    member: str = Member
    kind: Literal["visit", "lab", "imaging"] | None = Field(None, description="all when absent")
    hospital: str | None = Field(None, max_length=64, description="a hospital code")
    limit: int = Field(20, ge=1, le=50)
    cursor: str | None = Field(None, max_length=1024)


class MedicalMemberQuery(ApiModel):
    member: str = Member


def medical_env(request: web.Request) -> Env:
    caller = request[keys.PRINCIPAL].resident_id.hex
    return Env.from_deps(request.app[keys.DEPS], datetime.now(UTC), caller)


async def current_resident(request: web.Request) -> Resident:
    """The caller (read only: the medical endpoints change nothing on the resident's row)."""
    changes = request.app[keys.DEPS].changes
    return await residents.get_active_for_reading(changes, request[keys.PRINCIPAL].resident_id)


def _wants_fhir(request: web.Request) -> bool:
    return FHIR_JSON in request.headers.get("Accept", "")


def _fhir(body: dict[str, Any]) -> web.Response:
    return web.Response(body=json.dumps(body, ensure_ascii=False).encode(), content_type=FHIR_JSON)


@api.get("/api/v1/medical/hospitals", response=MedicalHospitalsOut)
async def list_hospitals(request: web.Request) -> MedicalHospitalsOut:
    """Hospitals whose records the health platform holds."""
    environment = medical_env(request)
    names, answer = await records.hospital_names(environment)
    source = MedicalSourceOut.model_validate(records.source_of(answer, environment))
    return MedicalHospitalsOut(
        hospitals=[MedicalHospitalOut.model_validate(h) for h in names.values()], source=source
    )


@api.get("/api/v1/medical/records", query=RecordsQuery, response=RecordsOut, errors=(400, 403, 404))
async def list_records(request: web.Request, query: RecordsQuery) -> RecordsOut | web.Response:
    """A page of records, newest first (visits, lab and imaging reports).

    With a cursor the other filters are those of the first page.
    """
    filters = Query(query.since, query.until, query.hospital, query.limit)
    page = await records.list_records(
        medical_env(request),
        await current_resident(request),
        query.member,
        query.kind,
        filters,
        query.cursor,
    )
    if _wants_fhir(request):
        nxt = request.url.update_query(cursor=page.next_cursor) if page.next_cursor else None
        return _fhir(mapping.fhir_bundle(page.bundle, str(nxt) if nxt else None))
    return RecordsOut(
        records=[RecordSummaryOut.model_validate(s) for s in page.items],
        next_cursor=page.next_cursor,
        source=MedicalSourceOut.model_validate(page.source),
    )


@api.get(
    "/api/v1/medical/records/{id}", query=MedicalMemberQuery, response=RecordOut, errors=(403,)
)
async def get_record(request: web.Request, query: MedicalMemberQuery) -> RecordOut | web.Response:
    """A report with its results, reference ranges and abnormal flags; or a visit."""
    record_id = request.match_info["id"]
    view = await records.get_record(
        medical_env(request), await current_resident(request), query.member, record_id
    )
    if _wants_fhir(request):
        return _fhir(mapping.fhir_bundle(view.bundle, None))
    d, doc = view.detail, view.detail.document
    url = f"/api/v1/medical/records/{record_id}/document?member={query.member}"
    return RecordOut(
        **RecordSummaryOut.model_validate(d.summary).model_dump(),
        status=d.status,
        issued=d.issued,
        results=[LabResultOut.model_validate(r) for r in d.results],
        findings=d.findings,
        conclusion=d.conclusion,
        diagnoses=d.diagnoses,
        reports=[RecordSummaryOut.model_validate(s) for s in d.reports],
        document=RecordDocumentOut(
            title=doc.title, content_type=doc.content_type, size=doc.size, url=url
        )
        if doc
        else None,
        source=MedicalSourceOut.model_validate(view.source),
    )


@api.get(
    "/api/v1/medical/records/{id}/document",
    query=MedicalMemberQuery,
    errors=(403,),
    content_type="application/pdf",
)
async def get_document(request: web.Request, query: MedicalMemberQuery) -> web.StreamResponse:
    """The report file (PDF), streamed from the health platform."""
    record_id = request.match_info["id"]
    actor = await current_resident(request)
    async with records.document(medical_env(request), actor, query.member, record_id) as stream:
        response = web.StreamResponse(headers={"Content-Type": stream.content_type})
        if stream.size is not None:
            response.content_length = stream.size
        response.headers["Content-Disposition"] = "inline; filename=report.pdf"
        await response.prepare(request)
        async for chunk in stream.chunks:
            await response.write(chunk)
        await response.write_eof()
        return response


class AccessLogEntryOut(ApiModel):
    seq: int
    at: datetime
    actor: str = Field(description="Who read (masked name)")
    actor_is_me: bool
    hospital: str | None = Field(description="A clinician's hospital")
    action: AccessAction
    reason: AccessReason
    record_id: str | None
    title: str | None = Field(description="What was read")


class AccessLogOut(ApiModel):
    items: list[AccessLogEntryOut]
    next_cursor: str | None = Field(description="Pass as cursor= for older entries")


class AccessLogQuery(PageQuery):
    member: str = Member


@api.get(
    "/api/v1/medical/access-log", query=AccessLogQuery, response=AccessLogOut, errors=(400, 404)
)
async def access_log(request: web.Request, query: AccessLogQuery) -> AccessLogOut:
    """Who read the member's records, what, when and why; newest first."""
    page = await history.access_log(
        medical_env(request),
        await current_resident(request),
        query.member,
        cursor=query.cursor,
        limit=query.limit,
    )
    items = [
        AccessLogEntryOut(
            seq=ln.seq,
            at=ln.at,
            actor=ln.actor_name,
            actor_is_me=ln.actor_is_me,
            hospital=ln.organisation[0] if ln.organisation else None,
            action=ln.action,
            reason=ln.reason,
            record_id=ln.record_id,
            title=ln.detail.get("title"),
        )
        for ln in page.items
    ]
    return AccessLogOut(items=items, next_cursor=page.next_cursor)


class AccessTreeHeadOut(ApiModel):
    tree_id: int
    tree_size: int
    root_hash: str = Field(description="hex, SHA-256")
    timestamp_ms: int = Field(description="milliseconds since the epoch, as signed")
    algorithm: Literal["ed25519"]
    public_key: str = Field(description="hex; the app's tree-head key")
    signature: str = Field(
        description="hex, over b'palm-medical-access-sth-v1\\x00' + tree_id + timestamp_ms"
        " + tree_size (8 bytes big-endian each) + root (32 bytes)"
    )


class AccessLeafOut(ApiModel):
    index: int
    patient_key: str
    seq: int = Field(description="The last entry of the access log when it was sealed")
    entry_hash: str
    leaf_hash: str = Field(description="SHA-256(0x00 + UTF-8 'patient_key:seq:entry_hash')")


class AccessProofOut(ApiModel):
    tree_head: AccessTreeHeadOut
    leaf: AccessLeafOut
    audit_path: list[str] = Field(description="RFC 6962 audit path, leaf to root, hex")


@api.get(
    "/api/v1/medical/access-log/proof",
    query=MedicalMemberQuery,
    response=AccessProofOut,
    errors=(404,),
)
async def access_log_proof(request: web.Request, query: MedicalMemberQuery) -> AccessProofOut:
    """Proof that the member's access log, as last sealed, is in the latest signed tree head.

    Check it without us: hash the leaf, fold the audit path into the root (RFC 9162 2.1.3.2),
    and verify the Ed25519 signature with the public key we publish.
    """
    proof = await history.inclusion_proof(
        medical_env(request), await current_resident(request), query.member
    )
    patient, seq, digest = proof.leaf
    return AccessProofOut(
        tree_head=AccessTreeHeadOut.model_validate(proof.head.as_json()),
        leaf=AccessLeafOut(
            index=proof.index,
            patient_key=patient,
            seq=seq,
            entry_hash=digest,
            leaf_hash=proof.leaf_hash,
        ),
        audit_path=proof.audit_path,
    )
