"""Talent card codes on the code engine: online codes of about two minutes, carrying the tier.

The mini-program refreshes every minute; a code is valid two, so one shown just before a
refresh still passes the gate. The subject is the card's id, never a personal number.
"""

from __future__ import annotations

from typing import Final

from codes import text
from codes.errors import CodeRejected
from codes.fields import Attributes, Purpose, Subject, Tier
from codes.format import parse
from codes.issue import Issuer
from codes.keyring import Keyring
from codes.online import IssuedCode, issue_online
from codes.verify import VerifiedCode, verify_code
from models.talent.cards import TalentCard, TalentTier

VALIDITY: Final = 120
REFRESH: Final = 60
_TIERS: Final = {
    TalentTier.GOLD: Tier.GOLD,
    TalentTier.SILVER: Tier.SILVER,
    TalentTier.STANDARD: Tier.STANDARD,
}


def issue(issuer: Issuer, card: TalentCard, *, now: int) -> IssuedCode:
    """A fresh code for a usable card (the caller checked it is usable)."""
    return issue_online(
        issuer,
        Purpose.TALENT,
        Subject.from_uuid(card.id),
        now=now,
        attributes=Attributes(tier=_TIERS[card.tier]),
        validity=VALIDITY,
        refresh=REFRESH,
    )


def verify(code_text: str, keyring: Keyring, *, now: int) -> VerifiedCode:
    """Read and check a scanned code (signature, purpose, time, revocation); not yet spent."""
    try:
        code = text.decode(code_text.strip())
    except ValueError:
        raise CodeRejected("malformed") from None
    return verify_code(code, keyring, purpose=Purpose.TALENT, now=now)


def subject_of(code_text: str) -> Subject:
    """The card a code names; meaningful only once its signature verified (``revoked``)."""
    return Subject(parse(text.decode(code_text.strip())).subject)
