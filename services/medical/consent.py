"""Consent codes for mutual recognition (检查检验结果互认): made by the patient, used once.

A consent names which kinds of results (lab, imaging) a clinician may read, for about ten
minutes. Its code is an online code of the code engine (purpose consent) whose subject is
the consent's id: a clinician's scan spends it (``recognition``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from models.medical import ConsentStatus, MedicalConsent
from models.residents import Resident
from services.codes import online
from services.codes.fields import Purpose, Subject
from services.errors import NotFound, UpstreamUnavailable
from services.medical.gateway import Env
from services.medical.readers import member_of, reader_for

KINDS = frozenset({"lab", "imaging"})


@dataclass(frozen=True, slots=True)
class IssuedConsent:
    consent: MedicalConsent
    text: str  # the QR payload (base45)
    code: bytes


async def issue(env: Env, actor: Resident, member: str, kinds: frozenset[str]) -> IssuedConsent:
    """A single-use consent code for ``kinds`` of the member's results."""
    reader = await reader_for(env, actor, member)
    try:
        issuer = await env.codes.issuer()
    except NotFound:
        raise UpstreamUnavailable(
            "codes_unavailable",
            "暂时无法生成授权码，请稍后再试。",
            "Consent codes cannot be made right now.",
            retry_after=60,
        ) from None
    now = int(env.now.timestamp())
    consent_id = uuid.uuid4()
    issued = online.issue_online(
        issuer,
        Purpose.CONSENT,
        Subject.from_uuid(consent_id),
        now=now,
        validity=env.config.consent_seconds,
        refresh=env.config.consent_seconds,
    )
    consent = await MedicalConsent.create(
        id=consent_id,
        resident=actor,
        member=member_of(reader.subject.delegation_id),
        patient_key=reader.patient_key,
        kinds=",".join(sorted(kinds & KINDS)),
        created_at=env.now,
        expires_at=datetime.fromtimestamp(issued.expires_at, UTC),
    )
    return IssuedConsent(consent, issued.text, issued.code)


async def made_by(actor: Resident, *, limit: int = 20) -> list[MedicalConsent]:
    """The resident's latest consents, newest first."""
    return await MedicalConsent.filter(resident_id=actor.id).order_by("-created_at").limit(limit)


async def revoke(actor: Resident, consent_id: uuid.UUID) -> MedicalConsent:
    """Withdraw an unused consent; a used or expired one is left as it is."""
    await MedicalConsent.filter(
        id=consent_id, resident_id=actor.id, status=ConsentStatus.ISSUED
    ).update(status=ConsentStatus.REVOKED)
    consent = await MedicalConsent.get_or_none(id=consent_id, resident_id=actor.id)
    if consent is None:
        raise NotFound("consent_not_found", "找不到该授权码。", "No such consent.")
    return consent
