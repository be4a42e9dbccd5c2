"""The access log as the patient reads it: who looked at their records, what, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.identity.organisations import Organisation
from models.identity.residents import Resident
from models.medical.access_log import AccessAction, AccessReason
from services.medical import accesslog, treehead
from services.medical.gateway import Env
from services.medical.readers import reader_for
from services.privacy import mask_name


@dataclass(frozen=True, slots=True)
class LogLine:
    seq: int
    at: datetime
    actor_name: str  # masked
    actor_is_me: bool
    organisation: tuple[str, str] | None  # (Chinese, English) name of the clinician's hospital
    action: AccessAction
    reason: AccessReason
    record_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LogPage:
    items: list[LogLine]
    next_cursor: str | None


async def access_log(
    env: Env, actor: Resident, member: str, *, cursor: str | None, limit: int
) -> LogPage:
    """A page of the member's access log, newest first (``cursor``: of the page before)."""
    reader = await reader_for(env, actor, member)
    found = await accesslog.entries_for(reader.patient_key, cursor=cursor, limit=limit)
    entries = found.items
    actor_ids = {e.actor_id for e in entries}
    actors = {r.id: r for r in await Resident.filter(id__in=actor_ids)}
    codes = {e.organisation for e in entries if e.organisation}
    orgs = {o.code: (o.name_zh, o.name_en) for o in await Organisation.filter(code__in=codes)}
    lines = []
    for entry in entries:
        who = actors.get(entry.actor_id)
        name = env.cipher.decrypt(who.name_enc, field="name") if who and who.name_enc else ""
        lines.append(
            LogLine(
                entry.seq,
                entry.at,
                mask_name(name),
                entry.actor_id == actor.id,
                orgs.get(entry.organisation or "")
                or ((entry.organisation, entry.organisation) if entry.organisation else None),
                entry.action,
                entry.reason,
                entry.record_ref,
                accesslog.decrypt_detail(env.cipher, entry),
            )
        )
    return LogPage(lines, found.next_cursor)


async def inclusion_proof(env: Env, actor: Resident, member: str) -> treehead.Proof:
    """That the member's chain head is in the latest signed tree head (an RFC 6962 audit path)."""
    reader = await reader_for(env, actor, member)
    return await treehead.proof_for(reader.patient_key)
