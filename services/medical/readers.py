"""Who is reading whose records, and the platform's id for that patient."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from integrations.base import IdType
from models.identity.residents import Resident
from models.medical.access_log import AccessAction, AccessReason
from services.identity import delegations
from services.identity.delegations import Subject
from services.medical import accesslog
from services.medical.gateway import Env, Gateway

_ID_TYPES: dict[str, IdType] = {
    "id_card": "id_card",
    "permanent_residence": "permanent_residence",
    "passport": "passport",
}


@dataclass(frozen=True, slots=True)
class Reader:
    """The caller, the patient they read about, and on what basis."""

    actor: Resident
    subject: Subject
    id_type: IdType
    patient_key: str

    @property
    def reason(self) -> AccessReason:
        return AccessReason.SELF if self.subject.delegation_id is None else AccessReason.FAMILY

    @property
    def owner(self) -> str:
        """Whose cache entries these are: the resident's own, or the delegation's."""
        if self.subject.delegation_id is not None:
            return f"d:{self.subject.delegation_id.hex}"
        return f"r:{self.actor.id.hex}"

    def access(
        self,
        action: AccessAction,
        *,
        record_ref: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> accesslog.Access:
        return accesslog.Access(
            self.patient_key,
            self.actor.id,
            action,
            self.reason,
            basis_id=self.subject.delegation_id,
            record_ref=record_ref,
            detail=detail,
        )


async def reader_for(env: Env, actor: Resident, member: str) -> Reader:
    """``member`` is "self" or a delegation id; anything the actor may not read is 404."""
    subject = await delegations.subject_for(
        actor, member, "medical", cipher=env.cipher, now=env.now
    )
    return reader_of(env, actor, subject)


def reader_of(env: Env, actor: Resident, subject: Subject) -> Reader:
    """The reader for a subject already resolved (``subject_for``)."""
    # Delegations are made with ID cards; one's own document may be any type.
    id_type: IdType = "id_card"
    if subject.delegation_id is None and actor.id_type in _ID_TYPES:
        id_type = _ID_TYPES[str(actor.id_type)]
    return Reader(actor, subject, id_type, accesslog.patient_key(env.cipher, subject.id_number))


async def patient_id(gateway: Gateway, reader: Reader) -> str | None:
    """The platform's Patient id for the reader's subject (None: the platform has no records)."""

    async def call() -> str:
        found = await gateway.client.find_patient(reader.id_type, reader.subject.id_number)
        return json.dumps(found)

    answer = await gateway.fetch("patient", call)
    found = json.loads(answer.body)
    return found if isinstance(found, str) else None


def member_of(delegation_id: uuid.UUID | None) -> str:
    return "self" if delegation_id is None else str(delegation_id)
