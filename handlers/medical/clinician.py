"""Mutual recognition (检查检验结果互认): the patient makes a consent code, a clinician scans it.

The clinician reads laboratory and examination results only, inside each kind's validity
window; never a diagnosis, an ID number or anything outside what the patient consented to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import Field

from handlers.medical.records import (
    LabResultOut,
    MedicalHospitalOut,
    MedicalSourceOut,
    Member,
    current_resident,
    medical_env,
)
from models.medical.consents import ConsentStatus, MedicalConsent
from palm import keys
from palm.api import Api, ApiModel, path_uuid
from services.medical import consent, recognised, recognition

api = Api("medical")


class ConsentScanIn(ApiModel):
    code: str = Field(min_length=10, max_length=1024, description="The QR payload (base45)")


class RecognisedReportOut(ApiModel):
    kind: str = Field(description="lab or imaging")
    title: str
    date: datetime
    hospital: MedicalHospitalOut | None
    results: list[LabResultOut]
    findings: str | None = Field(description="Imaging: 检查所见")
    conclusion: str | None = Field(description="Imaging: 检查提示")
    recognisable_until: datetime


class RecognitionOut(ApiModel):
    id: str = Field(description="Look again at /api/v1/clinician/recognitions/{id}")
    patient_name: str = Field(description="Masked")
    patient_birth_year: int | None
    kinds: list[str]
    expires_at: datetime = Field(description="The consent ends: nothing is shown after")
    reports: list[RecognisedReportOut]
    source: MedicalSourceOut


def _out(found: recognised.Recognition) -> RecognitionOut:
    reports = [
        RecognisedReportOut(
            kind=r.report.summary.kind,
            title=r.report.summary.title,
            date=r.report.summary.date,
            hospital=MedicalHospitalOut.model_validate(r.report.summary.hospital)
            if r.report.summary.hospital
            else None,
            results=[LabResultOut.model_validate(x) for x in r.report.results],
            findings=r.report.findings,
            conclusion=r.report.conclusion,
            recognisable_until=r.recognisable_until,
        )
        for r in found.reports
    ]
    return RecognitionOut(
        id=str(found.consent.id),
        patient_name=found.patient_name,
        patient_birth_year=found.patient_birth_year,
        kinds=sorted(found.consent.kind_set),
        expires_at=found.consent.expires_at,
        reports=reports,
        source=MedicalSourceOut.model_validate(found.source),
    )


@api.post(
    "/api/v1/clinician/recognitions",
    body=ConsentScanIn,
    response=RecognitionOut,
    status=201,
    roles={"clinician"},
    errors=(400, 404, 409),
)
async def scan_consent(request: web.Request, body: ConsentScanIn) -> RecognitionOut:
    """Scan a consent code: the patient's recognisable lab and examination results."""
    principal = request[keys.PRINCIPAL]
    found = await recognition.scan(
        medical_env(request), principal.resident_id, principal.organisation("clinician"), body.code
    )
    return _out(found)


@api.get(
    "/api/v1/clinician/recognitions/{id}",
    response=RecognitionOut,
    roles={"clinician"},
    errors=(403,),
)
async def view_recognition(request: web.Request) -> RecognitionOut:
    """Look at a scanned consent's results again, until it expires or the patient withdraws it.

    A withdrawn consent answers 403 ``consent_revoked`` (and the attempt is in the patient's log).
    """
    principal = request[keys.PRINCIPAL]
    found = await recognition.view(medical_env(request), principal.resident_id, path_uuid(request))
    return _out(found)


class MedicalConsentIn(ApiModel):
    member: str = Member
    kinds: list[Literal["lab", "imaging"]] = Field(min_length=1, max_length=2)


class MedicalConsentOut(ApiModel):
    id: str
    member: str
    kinds: list[str]
    status: ConsentStatus
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    code: str | None = Field(None, description="QR payload; only when the consent is made")


def _consent_out(row: MedicalConsent, code: str | None = None) -> MedicalConsentOut:
    return MedicalConsentOut(
        id=str(row.id),
        member=row.member,
        kinds=sorted(row.kind_set),
        status=row.status,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
        code=code,
    )


@api.post(
    "/api/v1/medical/consents",
    body=MedicalConsentIn,
    response=MedicalConsentOut,
    status=201,
    errors=(403, 404),
)
async def make_consent(request: web.Request, body: MedicalConsentIn) -> MedicalConsentOut:
    """A consent code (about 10 minutes, single use) for a clinician to read these results."""
    issued = await consent.issue(
        medical_env(request), await current_resident(request), body.member, frozenset(body.kinds)
    )
    return _consent_out(issued.consent, issued.text)


class MedicalConsentsOut(ApiModel):
    consents: list[MedicalConsentOut]


@api.get("/api/v1/medical/consents", response=MedicalConsentsOut)
async def list_consents(request: web.Request) -> MedicalConsentsOut:
    """Consents you made lately, newest first."""
    rows = await consent.made_by(await current_resident(request))
    return MedicalConsentsOut(consents=[_consent_out(row) for row in rows])


class MedicalConsentRevokedOut(MedicalConsentOut):
    ended: Literal["code", "clinician_access"] = Field(
        description="code: it can no longer be scanned; clinician_access: the clinician who"
        " scanned it can no longer see the results"
    )
    hospital: str | None = Field(description="The hospital whose access ended (Chinese name)")


@api.post("/api/v1/medical/consents/{id}/revoke", response=MedicalConsentRevokedOut, errors=(409,))
async def revoke_consent(request: web.Request) -> MedicalConsentRevokedOut:
    """Withdraw a consent: its unused code, or at once the view of the clinician who scanned it.

    Already withdrawn (``consent_already_revoked``) or expired (``consent_expired``): 409.
    """
    env = medical_env(request)
    done = await consent.revoke(env, await current_resident(request), path_uuid(request))
    hospital = await consent.hospital_name(done.consent.organisation)
    return MedicalConsentRevokedOut(
        **_consent_out(done.consent).model_dump(), ended=done.ended, hospital=hospital
    )
