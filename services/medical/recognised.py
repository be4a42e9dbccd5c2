"""What a consent shows a clinician, read from the health platform under the consent's cache.

Laboratory and examination results inside each kind's validity window, never a diagnosis.
Nothing is logged or spent here: ``recognition`` does that once the read has worked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle

from integrations.health.client import Query
from integrations.health.fhir import RecordKind
from models.medical.consents import MedicalConsent
from services.errors import NotFound, PermissionDenied
from services.identity import delegations
from services.medical import cache, errors, mapping
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


async def read(env: Env, consent: MedicalConsent) -> Recognition:
    """What the consent shows now; 404 when the delegation it was made under has ended."""
    try:
        subject = await delegations.subject_for(
            consent.resident, consent.member, "medical", cipher=env.cipher, now=env.now
        )
    except (NotFound, PermissionDenied):  # the delegation ended since: the consent is void
        raise errors.recognition_not_found(void=True) from None
    reader = reader_of(env, consent.resident, subject)
    gateway = Gateway(env, cache.consent_owner(consent.id))
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
