"""A clinician scans a patient's consent code and reads their recognisable results.

Only laboratory and examination results inside each kind's validity window are shown, never
a diagnosis; the clinician can look again until the consent expires. Every look is logged in
the patient's access log under the clinician's hospital.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle
from tortoise.transactions import in_transaction

from integrations.health.client import Query
from integrations.health.fhir import RecordKind
from models.medical import AccessAction, AccessReason, ConsentStatus, MedicalConsent
from services import delegations
from services.codes import online, text
from services.codes.errors import CodeRejected
from services.codes.fields import Purpose, SubjectKind
from services.codes.verify import verify_code
from services.errors import Conflict, NotFound, PermissionDenied
from services.medical import accesslog, mapping
from services.medical.gateway import Answer, Env, Gateway
from services.medical.readers import patient_id, reader_of
from services.medical.records import Source, hospital_names, source_of
from services.privacy import mask_name

_KINDS: tuple[RecordKind, ...] = ("imaging", "lab")


@dataclass(frozen=True, slots=True)
class Recognised:
    report: mapping.Detail
    recognisable_until: datetime


@dataclass(frozen=True, slots=True)
class Recognition:
    consent: MedicalConsent
    patient_name: str  # masked
    patient_birth_year: int | None
    reports: list[Recognised]
    source: Source


async def scan(env: Env, clinician: uuid.UUID, hospital: str | None, code_text: str) -> Recognition:
    """Verify and spend a consent code, then read what it allows."""
    if hospital is None:
        raise PermissionDenied(
            "clinician_without_hospital", "您的账号未绑定医院。", "Your account has no hospital."
        )
    try:
        code = text.decode(code_text.strip())
    except ValueError:
        raise CodeRejected("malformed") from None
    now = int(env.now.timestamp())
    verified = verify_code(
        code,
        await env.codes.keyring(),
        purpose=Purpose.CONSENT,
        now=now,
        max_validity=env.config.consent_seconds,
    )
    if verified.subject.encoded[0] != SubjectKind.UUID:
        raise CodeRejected("malformed", "a consent code names a consent id")
    await online.claim(env.redis, verified, now=now)
    consent_id = uuid.UUID(verified.subject.text)
    async with in_transaction():
        used = await MedicalConsent.filter(
            id=consent_id, status=ConsentStatus.ISSUED, expires_at__gt=env.now
        ).update(
            status=ConsentStatus.USED,
            used_at=env.now,
            clinician_id=clinician,
            organisation=hospital,
        )
    if not used:
        raise Conflict(
            "consent_not_usable",
            "该授权码已撤回或已使用。",
            "This consent was withdrawn or already used.",
        )
    return await _read(env, await MedicalConsent.get(id=consent_id).prefetch_related("resident"))


async def view(env: Env, clinician: uuid.UUID, consent_id: uuid.UUID) -> Recognition:
    """The results of a consent this clinician scanned, while it lasts."""
    consent = await MedicalConsent.get_or_none(
        id=consent_id, clinician_id=clinician, status=ConsentStatus.USED, expires_at__gt=env.now
    ).prefetch_related("resident")
    if consent is None:
        raise NotFound(
            "recognition_not_found", "找不到该授权或已过期。", "No such consent, or it expired."
        )
    return await _read(env, consent)


async def _read(env: Env, consent: MedicalConsent) -> Recognition:
    try:
        subject = await delegations.subject_for(
            consent.resident, consent.member, "medical", cipher=env.cipher, now=env.now
        )
    except (NotFound, PermissionDenied):  # the delegation ended since: the consent is void
        raise NotFound("recognition_not_found", "该授权已失效。", "This consent is void.") from None
    reader = reader_of(env, consent.resident, subject)
    gateway = Gateway(env, f"c:{consent.id.hex}")
    names, answer = await hospital_names(env)
    pid = await patient_id(gateway, reader)
    reports: list[Recognised] = []
    for kind in _KINDS:
        days = env.config.recognition_days.get(kind, 0)
        since = env.now - timedelta(days=days)
        if pid is not None and days > 0 and kind in consent.kind_set:
            answer = await _reports(env, gateway, pid, kind, since)
            found = mapping.reports_with_results(Bundle.model_validate_json(answer.body), names)
            reports += [
                Recognised(r, r.summary.date + timedelta(days=days))
                for r in found
                if r.summary.date >= since
            ]
    await accesslog.append(
        env.cipher,
        accesslog.Access(
            consent.patient_key,
            consent.clinician_id or uuid.UUID(int=0),
            AccessAction.RECOGNITION,
            AccessReason.MUTUAL_RECOGNITION,
            basis_id=consent.id,
            organisation=consent.organisation,
            detail={"kinds": sorted(consent.kind_set), "count": len(reports)},
        ),
        now=env.now,
    )
    birth_year = subject.birth_date.year if subject.birth_date else None
    reports.sort(key=lambda r: r.report.summary.date.astimezone(UTC), reverse=True)
    return Recognition(
        consent, mask_name(subject.name), birth_year, reports, source_of(answer, env)
    )


async def _reports(
    env: Env, gateway: Gateway, pid: str, kind: RecordKind, since: datetime
) -> Answer:
    query = Query(since=since.date(), count=100, with_results=True)

    async def call() -> str:
        return (await env.client.records(pid, kind, query)).bundle.model_dump_json()

    return await gateway.fetch(f"recognition:{kind}:{since.date()}", call)
