"""A talent card's life: issued, renewed or upgraded, reported lost, replaced.

A card reported lost goes on the code engine's revocation list in the same transaction, so its
codes stop verifying at once; its family sub-cards (shown from the same phone) go with it, and
a replacement brings new ones.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from codes.fields import Purpose, Subject
from models.codes import RevocationReason
from models.talent.cards import CardKind, CardStatus, TalentCard, TalentTier
from services import localcopy
from services.codes import revocations
from services.talent import errors
from services.talent.clock import local_date

RENEWAL_DAYS = 30


def resident_holder(resident_id: uuid.UUID) -> str:
    return f"r:{resident_id.hex}"


def member_holder(id_hash: str) -> str:
    return f"f:{id_hash}"


def renewal_opens_on(card: TalentCard) -> date:
    return card.valid_until - timedelta(days=RENEWAL_DAYS)


def check_usable(card: TalentCard, today: date) -> None:
    """Refuse a card that is lost, replaced or withdrawn, or past its last day."""
    if card.status is CardStatus.LOST:
        raise errors.card_lost()
    if card.status is not CardStatus.ACTIVE:
        raise errors.card_inactive()
    if card.valid_until < today:
        raise errors.card_expired()


TOPIC = "talent-card"  # value: the holder's resident id (hex)


async def changed(resident_id: uuid.UUID) -> None:
    """In the transaction that writes any of the resident's cards: what processes keep of them
    (``services.talent.view.card_code``) is dropped once it commits."""
    await localcopy.after_commit(TOPIC, resident_id.hex)


async def latest_primary(resident_id: uuid.UUID) -> TalentCard | None:
    """The resident's most recent own card, whatever its state."""
    return (
        await TalentCard.filter(resident_id=resident_id, kind=CardKind.PRIMARY)
        .order_by("-issued_at")
        .first()
    )


async def active_primary(resident_id: uuid.UUID, *, lock: bool = False) -> TalentCard | None:
    query = TalentCard.filter(
        resident_id=resident_id, kind=CardKind.PRIMARY, status=CardStatus.ACTIVE
    )
    return await (query.select_for_update() if lock else query).first()


async def family_of(card: TalentCard, status: CardStatus = CardStatus.ACTIVE) -> list[TalentCard]:
    return await TalentCard.filter(primary_id=card.id, status=status).order_by("issued_at")


async def _end(card: TalentCard, status: CardStatus, now: datetime) -> None:
    card.status, card.active_key, card.ended_at = status, None, now
    await card.save(update_fields=["status", "active_key", "ended_at"])
    await changed(card.resident_id)  # type: ignore[attr-defined]
    if status in (CardStatus.LOST, CardStatus.CANCELLED):
        reason = RevocationReason.LOST if status is CardStatus.LOST else RevocationReason.CANCELLED
        await revocations.revoke(Subject.from_uuid(card.id), Purpose.TALENT, reason)


async def cancel(card: TalentCard, now: datetime) -> None:
    """Withdraw a card for good (a family sub-card removed, or a tier without them)."""
    await _end(card, CardStatus.CANCELLED, now)


async def issue(
    resident_id: uuid.UUID,
    *,
    name_enc: str,
    talent_class: str,
    tier: TalentTier,
    valid_until: date,
    family_cards: int,
    application_id: uuid.UUID | None,
    replacing: TalentCard | None,
    now: datetime,
) -> TalentCard:
    """A new own card (inside the caller's transaction); the card it renews or upgrades ends.

    ``replacing`` is the active card the caller read under lock, not read again here: a card
    committed meanwhile by a concurrent request then collides on the unique active key
    (IntegrityError) rather than being silently replaced.
    """
    old = replacing
    if old is not None:
        await _end(old, CardStatus.SUPERSEDED, now)
    holder = resident_holder(resident_id)
    card = await TalentCard.create(
        id=uuid.uuid4(), resident_id=resident_id, kind=CardKind.PRIMARY, holder_key=holder,
        active_key=holder, name_enc=name_enc, talent_class=talent_class, tier=tier,
        valid_from=local_date(now), valid_until=valid_until, application_id=application_id,
        replaces_id=old.id if old else None, issued_at=now,
    )  # fmt: skip
    if old is not None:
        for index, sub in enumerate(await family_of(old)):
            if index >= family_cards:
                await cancel(sub, now)
                continue
            sub.primary_id, sub.tier, sub.valid_until = card.id, card.tier, card.valid_until
            await sub.save(update_fields=["primary_id", "tier", "valid_until"])
    await changed(resident_id)
    return card


async def report_lost(resident_id: uuid.UUID, now: datetime) -> TalentCard:
    """Stop the card and its family sub-cards at once (revocation list); idempotent."""
    async with in_transaction():
        card = await active_primary(resident_id, lock=True)
        if card is None:
            latest = await latest_primary(resident_id)
            if latest is not None and latest.status is CardStatus.LOST:
                return latest
            raise errors.card_not_found()
        for sub in await family_of(card):
            await _end(sub, CardStatus.LOST, now)
        await _end(card, CardStatus.LOST, now)
    return card


async def reissue(resident_id: uuid.UUID, now: datetime) -> TalentCard:
    """A new card (new id, same tier and validity) for one reported lost, with its sub-cards."""
    try:
        async with in_transaction():
            lost = await latest_primary(resident_id)
            if lost is None:
                raise errors.card_not_found()
            if lost.status is not CardStatus.LOST:
                raise errors.not_lost()
            if lost.valid_until < local_date(now):
                raise errors.card_expired()
            card = await _copy(lost, primary_id=None, now=now)
            for sub in await family_of(lost, CardStatus.LOST):
                await _copy(sub, primary_id=card.id, now=now)
            return card
    except IntegrityError:  # a concurrent replacement won: theirs is the card
        card_now = await active_primary(resident_id)
        if card_now is None:
            raise
        return card_now


async def _copy(old: TalentCard, *, primary_id: uuid.UUID | None, now: datetime) -> TalentCard:
    await changed(old.resident_id)  # type: ignore[attr-defined]
    return await TalentCard.create(
        id=uuid.uuid4(), resident_id=old.resident_id, kind=old.kind,  # type: ignore[attr-defined]
        primary_id=primary_id, relation=old.relation, holder_key=old.holder_key,
        active_key=old.holder_key, name_enc=old.name_enc, talent_class=old.talent_class,
        tier=old.tier, valid_from=local_date(now), valid_until=old.valid_until,
        application_id=old.application_id, replaces_id=old.id, issued_at=now,
    )  # fmt: skip


async def close_holder(resident_id: uuid.UUID, now: datetime) -> int:
    """Account closure: cancel the resident's active cards and the family sub-cards they gave.

    Call inside the closing transaction: the revocations commit with it, so every code shown
    before stops verifying at once, and each family member is free to be on another card.
    How many cards ended.
    """
    active = await TalentCard.filter(
        resident_id=resident_id, status=CardStatus.ACTIVE
    ).select_for_update()
    for card in active:
        await cancel(card, now)
    return len(active)


async def usable_card(resident_id: uuid.UUID, card_id: uuid.UUID | None, today: date) -> TalentCard:
    """The resident's own card, or one of its family sub-cards, ready to show a code."""
    if card_id is None:
        card = await latest_primary(resident_id)
        if card is None:
            raise errors.card_not_found()
    else:
        found = await TalentCard.get_or_none(
            id=card_id, resident_id=resident_id, kind=CardKind.FAMILY
        )
        if found is None:
            raise errors.family_card_not_found()
        card = found
    check_usable(card, today)
    return card
