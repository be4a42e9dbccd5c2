"""Credit accounts: who a credit code stands for, and the identity the platform knows them by."""

from __future__ import annotations

import uuid
from datetime import datetime

from redis.asyncio import Redis
from tortoise.exceptions import IntegrityError

from codes import text as code_text
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject, SubjectKind
from codes.online import IssuedCode, issue_online
from integrations.credit.models import CreditIdentity
from models.credit.scenes import CreditAccount
from models.identity.residents import Resident, ResidentStatus
from services import errors as shared
from services.codes.claims import verify_online
from services.codes.snapshot import CodeKeys
from services.credit import members
from services.deps import Deps
from services.errors import NotFound, real_name_required
from services.privacy import FieldCipher


def identity_of(resident: Resident, cipher: FieldCipher) -> CreditIdentity:
    """The verified identity the credit platform is asked about."""
    if resident.verified_at is None or not (resident.id_number_enc and resident.name_enc):
        raise real_name_required()
    return CreditIdentity(
        id_type=resident.id_type or "id_card",  # type: ignore[arg-type]
        id_number=cipher.decrypt(resident.id_number_enc, field="id_number"),
        name=cipher.decrypt(resident.name_enc, field="name"),
    )


async def account_of(resident: Resident) -> CreditAccount:
    """The resident's credit account, opened on first use."""
    account = await CreditAccount.get_or_none(resident_id=resident.id)
    if account is not None:
        return account
    try:
        return await CreditAccount.create(resident=resident)
    except IntegrityError:  # opened by a concurrent request
        return await CreditAccount.get(resident_id=resident.id)


async def issue_code(deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime) -> IssuedCode:
    """A credit code to show a merchant: one minute, one scan, the holder's account as subject.

    For a family member it is their code: the waiver rests on their own credit.
    """
    account_id = await _account_for_code(deps, actor_id, member, now=now)
    try:
        issuer = await deps.codes.issuer()
    except NotFound:  # no issuer key yet
        raise shared.codes_unavailable("信用码", "Credit codes") from None
    subject = Subject.from_uuid(account_id)
    return issue_online(issuer, Purpose.CREDIT, subject, now=int(now.timestamp()))


async def _account_for_code(
    deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime
) -> uuid.UUID:
    """The account a code for ``member`` names, once the holder may have one.

    For oneself it is kept by this process (``services.localcopy``) under the resident, whose
    every change (real name, account closed) drops it: an account, once opened, stays the
    resident's. A family member's goes through the delegation every time.
    """
    kept = deps.changes.copy("credit-own-account", topic="resident")
    if member == "self" and (found := kept.get(actor_id.hex)) is not None:
        return found  # type: ignore[no-any-return]
    epoch = kept.begin()
    _, holder = await members.resolve(actor_id, member, cipher=deps.cipher, now=now)
    identity_of(holder, deps.cipher)  # no code for someone the platform cannot be asked about
    account = await account_of(holder)
    if member == "self":
        kept.keep(actor_id.hex, account.id, actor_id.hex, epoch)
    return account.id


async def account_from_code(
    raw_text: str, redis: Redis, keys: CodeKeys, *, now: datetime
) -> CreditAccount | None:
    """Verify a scanned credit code and spend it; the account it names, if still open."""
    try:
        raw = code_text.decode(raw_text.strip())
    except ValueError:
        raise CodeRejected("malformed") from None
    keyring = await keys.keyring()
    verified = await verify_online(
        redis, raw, keyring, purpose=Purpose.CREDIT, now=int(now.timestamp())
    )
    if verified.subject.encoded[0] != SubjectKind.UUID:
        raise CodeRejected("malformed")
    account_id = uuid.UUID(bytes=verified.subject.encoded[1:])
    account = await CreditAccount.get_or_none(id=account_id).prefetch_related("resident")
    if account is None or account.resident.status != ResidentStatus.ACTIVE:
        return None
    return account
