"""What the resident sees: the card with its state, family sub-cards and benefits, and its code."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from codes.online import IssuedCode
from models.talent.cards import CardStatus, TalentCard
from services.codes.snapshot import CodeKeys
from services.localcopy import Changes
from services.privacy import FieldCipher, mask_name
from services.talent import benefits, cards, codes, errors, image, rules
from services.talent.clock import local_date


@dataclass(frozen=True, slots=True)
class CardView:
    card: TalentCard
    name: str  # masked
    state: str  # active, expired, lost, superseded or cancelled
    renewal_opens_on: date
    renewal_open: bool
    family_allowance: int
    family: list[tuple[TalentCard, str]]  # active sub-cards with masked names
    benefits: list[benefits.Available]


def state_of(card: TalentCard, today: date) -> str:
    if card.status is CardStatus.ACTIVE and card.valid_until < today:
        return "expired"
    return card.status.value


def masked(card: TalentCard, cipher: FieldCipher) -> str:
    return mask_name(cipher.decrypt(card.name_enc, field="name"))


async def card_view(resident_id: uuid.UUID, cipher: FieldCipher, now: datetime) -> CardView:
    """The resident's latest own card, as the mini-program shows it."""
    card = await cards.latest_primary(resident_id)
    if card is None:
        raise errors.card_not_found()
    today = local_date(now)
    state = state_of(card, today)
    rule = await rules.rule_for(card.talent_class)
    family = await cards.family_of(card) if state == "active" else []
    opens = cards.renewal_opens_on(card)
    return CardView(
        card=card,
        name=masked(card, cipher),
        state=state,
        renewal_opens_on=opens,
        renewal_open=state in ("active", "expired") and today >= opens,
        family_allowance=rule.family_cards if rule else 0,
        family=[(sub, masked(sub, cipher)) for sub in family],
        benefits=await benefits.available(card, now) if state == "active" else [],
    )


async def card_code(
    resident_id: uuid.UUID,
    card_id: uuid.UUID | None,
    keys: CodeKeys,
    now: datetime,
    changes: Changes | None = None,
) -> tuple[TalentCard, IssuedCode]:
    """A live code for the resident's card, or for one of its family sub-cards.

    With ``changes``, the card is kept by this process (``services.localcopy``) until any of
    the resident's cards is written (``cards.changed``); whether it is usable today is judged
    on every request.
    """
    today = local_date(now)
    kept = changes.copy("talent-cards", topic=cards.TOPIC) if changes is not None else None
    key = f"{resident_id.hex}:{card_id or 'own'}"
    card: TalentCard | None = kept.get(key) if kept is not None else None
    if card is None:
        epoch = kept.begin() if kept is not None else 0
        card = await cards.usable_card(resident_id, card_id, today)
        if kept is not None:
            kept.keep(key, card, resident_id.hex, epoch)
    else:
        cards.check_usable(card, today)
    return card, codes.issue(await keys.issuer(), card, now=int(now.timestamp()))


async def card_image(
    resident_id: uuid.UUID,
    card_id: uuid.UUID | None,
    keys: CodeKeys,
    cipher: FieldCipher,
    now: datetime,
) -> tuple[bytes, IssuedCode]:
    """The e-card as a PNG with a live code (drawn off the event loop: it takes ~0.1 s)."""
    card, issued = await card_code(resident_id, card_id, keys, now)
    png = await asyncio.to_thread(
        image.render_card,
        name=masked(card, cipher),
        tier=card.tier,
        valid_until=card.valid_until,
        code=issued.code,
    )
    return png, issued
