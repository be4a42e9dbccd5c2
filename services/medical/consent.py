"""Consent codes for mutual recognition (检查检验结果互认): made by the patient, used once.

A consent names which kinds of results (lab, imaging) a clinician may read, for about ten
minutes. Its code is an online code of the code engine (purpose consent) whose subject is
the consent's id: a clinician's scan spends it (``recognition``). Withdrawing it ends both the
code and the view of a clinician who already scanned it, and the patient's log says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from tortoise.transactions import in_transaction

from codes import online
from codes.fields import Purpose, Subject
from models.identity.organisations import Organisation
from models.identity.residents import Resident
from models.medical.access_log import AccessAction, AccessReason
from models.medical.consents import ConsentStatus, MedicalConsent
from services import errors as shared
from services.errors import DomainError, NotFound
from services.medical import accesslog, cache, errors
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
        raise shared.codes_unavailable("授权码", "Consent codes") from None
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


Ended = Literal["code", "clinician_access"]


@dataclass(frozen=True, slots=True)
class Revoked:
    consent: MedicalConsent
    ended: Ended  # the unused code, or the view of the clinician who scanned it


async def revoke(env: Env, actor: Resident, consent_id: uuid.UUID) -> Revoked:
    """Withdraw a consent: its code if unused, else the clinician's view, at once.

    One already withdrawn or expired has nothing left to end: 409, never a 200 that did nothing.
    """
    consent = await MedicalConsent.get_or_none(id=consent_id, resident_id=actor.id)
    if consent is None:
        raise errors.consent_not_found()
    async with in_transaction():
        # Conditional: a scan committing meanwhile turns the row to used, never back.
        ended = await MedicalConsent.filter(
            id=consent_id,
            status__in=(ConsentStatus.ISSUED, ConsentStatus.USED),
            expires_at__gt=env.now,
        ).update(status=ConsentStatus.REVOKED, revoked_at=env.now)
        await consent.refresh_from_db()
        if not ended:
            raise _nothing_to_end(consent)
        what: Ended = "code" if consent.used_at is None else "clinician_access"
        await accesslog.append(
            env.cipher,
            accesslog.Access(
                consent.patient_key,
                actor.id,
                AccessAction.REVOKE,
                AccessReason.MUTUAL_RECOGNITION,
                basis_id=consent.id,
                organisation=consent.organisation,
                detail={"ended": what},
            ),
            now=env.now,
        )
        # What the clinician's reads cached goes now, and again after any read under way.
        await cache.forget_later(cache.consent_owner(consent.id), env.now)
    await cache.drop_owner(env.redis, cache.consent_owner(consent.id), env.changes)
    return Revoked(consent, what)


def _nothing_to_end(consent: MedicalConsent) -> DomainError:
    if consent.status == ConsentStatus.REVOKED:
        return errors.consent_already_revoked()
    return errors.consent_expired()


async def hospital_name(code: str | None) -> str | None:
    """The Chinese name of a hospital by organisation code (the code itself if unknown)."""
    if code is None:
        return None
    found = await Organisation.get_or_none(code=code)
    return found.name_zh if found else code
