"""Ride accounts: opened by a resident for themself or a family member they act for.

The account id is the subject of ride codes; a rider in arrears is on the revocation list
until paid, so validators refuse their codes and the server issues none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from codes.fields import Purpose, Subject
from models.codes import RevocationReason
from models.identity.residents import Resident
from models.transit.accounts import AccountStatus, PaymentMethod, TransitAccount
from models.transit.cards import CardKind, CardState, SpecialCard
from services.codes import revocations
from services.deps import Deps
from services.identity import delegations, residents
from services.privacy import FieldCipher
from services.transit import errors, fares

TERMS_VERSION = "2026-01"


def rider_hash(cipher: FieldCipher, id_number: str) -> str:
    return cipher.lookup_hash(id_number, field="transit_rider")


def subject_of(account: TransitAccount) -> Subject:
    return Subject.from_uuid(account.id)


@dataclass(frozen=True, slots=True)
class CardView:
    """A special-group card as its rider sees it."""

    id: uuid.UUID
    kind: CardKind
    state: CardState
    fare_class: str
    valid_until: date
    next_check_at: datetime


def card_view(card: SpecialCard) -> CardView:
    return CardView(card.id, card.kind, card.state, fares.fare_class(card.group).value,
                    card.valid_until, card.next_check_at)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RiderAccount:
    """An account as its rider sees it: with the special-group card, if there is one."""

    account: TransitAccount
    card: CardView | None


async def with_card(account: TransitAccount) -> RiderAccount:
    card = await SpecialCard.get_or_none(account_id=account.id)
    return RiderAccount(account, card_view(card) if card else None)


async def open_account(
    deps: Deps, actor_id: uuid.UUID, member: str, *, method: PaymentMethod, accept_terms: bool,
    now: datetime,
) -> RiderAccount:  # fmt: skip
    """Open the rider's account; the actor pays (a parent for a child, a child for a parent)."""
    actor = await residents.get_active(actor_id)
    if not accept_terms:
        raise errors.terms_required()
    cipher = deps.cipher
    subject = await delegations.subject_for(actor, member, "transit", cipher=cipher, now=now)
    if subject.birth_date is None:
        raise errors.id_card_required()
    account_id = uuid.uuid4()
    try:
        async with in_transaction():
            account = await TransitAccount.create(
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
        raise errors.account_exists() from None
    return await with_card(account)


async def show(deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime) -> RiderAccount:
    """Status, balance, arrears and special-group card of the rider's account."""
    return await with_card(await rider_account(deps, actor_id, member, now=now))


async def rider_account(
    deps: Deps, actor_id: uuid.UUID, member: str, *, now: datetime
) -> TransitAccount:
    """``account_for`` the signed-in resident (refused if their session is no longer active)."""
    actor = await residents.get_active(actor_id)
    return await account_for(actor, member, cipher=deps.cipher, now=now)


async def account_for(
    actor: Resident, member: str, *, cipher: FieldCipher, now: datetime
) -> TransitAccount:
    """The rider's account, if the actor may use it (its payer, or the rider themself)."""
    subject = await delegations.subject_for(actor, member, "transit", cipher=cipher, now=now)
    account = await TransitAccount.get_or_none(
        rider_hash=rider_hash(cipher, subject.id_number), status=AccountStatus.ACTIVE
    )
    if account is None or actor.id not in (account.payer_id, account.rider_id):  # type: ignore[attr-defined]
        raise errors.account_not_found()
    return account


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
