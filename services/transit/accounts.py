"""Ride accounts: opened by a resident for themself or a family member they act for.

The account id is the subject of ride codes; a rider in arrears is on the revocation list
until paid, so validators refuse their codes and the server issues none.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from codes.fields import Purpose, Subject
from models.codes import RevocationReason
from models.identity.residents import Resident
from models.transit.accounts import AccountStatus, PaymentMethod, TransitAccount
from services.codes import revocations
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.identity import delegations
from services.privacy import FieldCipher

TERMS_VERSION = "2026-01"


def rider_hash(cipher: FieldCipher, id_number: str) -> str:
    return cipher.lookup_hash(id_number, field="transit_rider")


def subject_of(account: TransitAccount) -> Subject:
    return Subject.from_uuid(account.id)


async def open_account(
    actor: Resident, member: str, *, method: PaymentMethod, accept_terms: bool,
    cipher: FieldCipher, now: datetime,
) -> TransitAccount:  # fmt: skip
    """Open the rider's account; the actor pays (a parent for a child, a child for a parent)."""
    if not accept_terms:
        raise InvalidInput("transit_terms_required", "请先同意乘车服务协议。",
                           "Accept the ride service terms first.")  # fmt: skip
    subject = await delegations.subject_for(actor, member, "transit", cipher=cipher, now=now)
    if subject.birth_date is None:
        raise PermissionDenied("transit_id_card_required", "乘车码需要居民身份证实名。",
                               "The ride code needs a verified resident ID card.")  # fmt: skip
    account_id = uuid.uuid4()
    try:
        async with in_transaction():
            return await TransitAccount.create(
                id=account_id,
                rider_hash=rider_hash(cipher, subject.id_number),
                rider_id_number_enc=cipher.encrypt(subject.id_number, field="id_number"),
                rider_birth_date=subject.birth_date,
                rider_id=subject.resident_id,
                payer=actor,
                payment_method=method,
                # The deduction contract signed in WeChat's page; its id is ours to name.
                contract_id=f"pap{account_id.hex[:29]}"
                if method == PaymentMethod.DEDUCTION
                else None,
                terms_version=TERMS_VERSION,
            )
    except IntegrityError:
        raise Conflict("transit_account_exists", "该乘车人已开通乘车码。",
                       "This rider already has a ride account.") from None  # fmt: skip


async def account_for(
    actor: Resident, member: str, *, cipher: FieldCipher, now: datetime
) -> TransitAccount:
    """The rider's account, if the actor may use it (its payer, or the rider themself)."""
    subject = await delegations.subject_for(actor, member, "transit", cipher=cipher, now=now)
    account = await TransitAccount.get_or_none(
        rider_hash=rider_hash(cipher, subject.id_number), status=AccountStatus.ACTIVE
    )
    if account is None or actor.id not in (account.payer_id, account.rider_id):  # type: ignore[attr-defined]
        raise NotFound("transit_account_not_found", "尚未开通乘车码。",
                       "No ride account yet: open one first.")  # fmt: skip
    return account


def check_may_ride_fen(arrears_fen: int) -> None:
    """No new code while fares are owed."""
    if arrears_fen > 0:
        raise PermissionDenied(
            "transit_in_arrears", "您有未支付的车费，请先补缴。",
            "Unpaid fares: pay them to get a ride code again.",
            extra={"arrears_fen": arrears_fen},
        )  # fmt: skip


async def add_arrears(account_id: uuid.UUID, amount_fen: int) -> None:
    """Owe ``amount_fen``: the account is revoked (inside a transaction, then ``cache.forget``)."""
    account = await TransitAccount.filter(id=account_id).select_for_update().get()
    account.arrears_fen += amount_fen
    await account.save(update_fields=["arrears_fen", "updated_at"])
    await revocations.revoke(subject_of(account), Purpose.RIDE, RevocationReason.ARREARS)


async def pay_arrears(account_id: uuid.UUID, amount_fen: int) -> int:
    """Apply a payment to arrears; lift the revocation once nothing is owed. Returns the rest."""
    account = await TransitAccount.filter(id=account_id).select_for_update().get()
    used = min(amount_fen, account.arrears_fen)
    account.arrears_fen -= used
    await account.save(update_fields=["arrears_fen", "updated_at"])
    if account.arrears_fen == 0:
        await revocations.unrevoke(subject_of(account), Purpose.RIDE)
    return int(amount_fen - used)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
