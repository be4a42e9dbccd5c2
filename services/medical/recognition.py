"""A clinician scans a patient's consent code and reads their recognisable results.

Only laboratory and examination results inside each kind's validity window are shown, never
a diagnosis; the clinician can look again until the consent expires or the patient withdraws
it. Every look is logged in the patient's access log under the clinician's hospital, and so
is every look refused because the consent was withdrawn. The code is spent only with a read
that succeeded: a platform outage during the scan leaves it usable.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.transactions import in_transaction

from codes import text
from codes.errors import CodeRejected
from codes.fields import Purpose, SubjectKind
from codes.verify import verify_code
from models.medical.access_log import AccessAction, AccessReason
from models.medical.consents import ConsentStatus, MedicalConsent
from services.codes import claims
from services.medical import accesslog, errors, recognised
from services.medical.gateway import Env
from services.medical.recognised import Recognition

RECOGNITION, REFUSED = AccessAction.RECOGNITION, AccessAction.REFUSED


async def scan(env: Env, clinician: uuid.UUID, hospital: str | None, code_text: str) -> Recognition:
    """Verify a consent code, read what it allows, then spend it."""
    if hospital is None:
        raise errors.clinician_without_hospital()
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
    consent = await MedicalConsent.get_or_none(
        id=uuid.UUID(verified.subject.text)
    ).prefetch_related("resident")
    if consent is None:
        raise errors.consent_not_usable()
    if consent.status == ConsentStatus.USED:
        raise CodeRejected("already_used")
    if consent.status != ConsentStatus.ISSUED or consent.expires_at <= env.now:
        await _log(env, consent, clinician, hospital, REFUSED, attempt="scan")
        raise errors.consent_not_usable()
    found = await recognised.read(env, consent)
    # Spent only now the read worked; of concurrent scans, the claim lets one through.
    await claims.claim(env.redis, verified, now=now)
    try:
        async with in_transaction():
            used = await MedicalConsent.filter(
                id=consent.id, status=ConsentStatus.ISSUED, expires_at__gt=env.now
            ).update(
                status=ConsentStatus.USED,
                used_at=env.now,
                clinician_id=clinician,
                organisation=hospital,
            )
            if used:
                await _log(env, consent, clinician, hospital, RECOGNITION, **_seen(consent, found))
    except BaseException:
        await claims.release(env.redis, verified)  # nothing committed: the code still works
        raise
    if not used:  # withdrawn while we read
        await _log(env, consent, clinician, hospital, REFUSED, attempt="scan")
        raise errors.consent_not_usable()
    return found


async def view(env: Env, clinician: uuid.UUID, consent_id: uuid.UUID) -> Recognition:
    """The results of a consent this clinician scanned, while it lasts and is not withdrawn."""
    consent = await MedicalConsent.get_or_none(
        id=consent_id, clinician_id=clinician, expires_at__gt=env.now
    ).prefetch_related("resident")
    if consent is None or consent.status not in (ConsentStatus.USED, ConsentStatus.REVOKED):
        raise errors.recognition_not_found()
    hospital = consent.organisation
    if consent.status == ConsentStatus.REVOKED:
        await _log(env, consent, clinician, hospital, REFUSED, attempt="view")
        raise errors.consent_revoked()
    found = await recognised.read(env, consent)
    # The consent's live state once more, after the platform calls: a withdrawal made while
    # we read ends this read too. The row lock holds a withdrawal back until it is logged.
    async with in_transaction():
        live = await (
            MedicalConsent.filter(id=consent.id, status=ConsentStatus.USED, expires_at__gt=env.now)
            .select_for_update()
            .first()
        )
        if live:
            await _log(env, consent, clinician, hospital, RECOGNITION, **_seen(consent, found))
    if not live:
        await _log(env, consent, clinician, hospital, REFUSED, attempt="view")
        raise errors.consent_revoked()
    return found


def _seen(consent: MedicalConsent, found: Recognition) -> dict[str, Any]:
    return {"kinds": sorted(consent.kind_set), "count": len(found.reports)}


async def _log(
    env: Env,
    consent: MedicalConsent,
    clinician: uuid.UUID,
    hospital: str | None,
    action: AccessAction,
    **detail: Any,
) -> None:
    """A clinician's look (or refused look) in the patient's access log."""
    access = accesslog.Access(
        consent.patient_key,
        clinician,
        action,
        AccessReason.MUTUAL_RECOGNITION,
        basis_id=consent.id,
        organisation=hospital,
        detail=detail,
    )
    await accesslog.append(env.cipher, access, now=env.now)
