"""Who may hold a special-group card, decided from data alone (no uploads).

Age comes from the verified ID; disability certificates, veterans'-family status and student
status from 爱山东's electronic licences. A card lasts the shorter of 3 years and the
certificate's validity; a certificate issued outside Weihai is checked in person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from codes.fields import Group
from integrations.aishandong.models import Licence, LicenceKind
from models.transit.cards import CardKind
from services.transit import fares
from services.transit.accounts import age_on

CARD_YEARS = 3
WEIHAI_DIVISION = "3710"
LICENCE_OF: dict[CardKind, LicenceKind] = {
    CardKind.DISABILITY: "disability_certificate",
    CardKind.PREFERENTIAL_CARE: "veteran_family",
    CardKind.STUDENT: "student_status",
}
GROUP_OF = {
    CardKind.DISABILITY: Group.DISABILITY,
    CardKind.PREFERENTIAL_CARE: Group.PREFERENTIAL_CARE,
    CardKind.STUDENT: Group.STUDENT,
}


@dataclass(frozen=True, slots=True)
class Decision:
    kind: CardKind
    group: Group
    valid_until: date
    in_person: bool = False
    certificate: Licence | None = None


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _licence_end(licence: Licence) -> date | None:
    if licence.kind == "student_status":
        graduation = licence.attributes.get("expected_graduation", "")
        try:
            year, month = (int(part) for part in graduation.split("-"))
            return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        except ValueError:
            return None
    return licence.valid_until


def decide(
    kind: CardKind, birth_date: date, licences: list[Licence], today: date
) -> Decision | None:
    """The card this rider may hold for ``kind``, or None when the data does not show it."""
    limit = years_later(today, CARD_YEARS)
    if kind == CardKind.SENIOR:
        group = fares.age_group(age_on(birth_date, today))
        return Decision(kind, group, limit) if group else None
    wanted = LICENCE_OF[kind]
    for licence in sorted(licences, key=lambda lic: lic.issued_on, reverse=True):
        end = _licence_end(licence)
        if licence.kind != wanted or (end is not None and end < today):
            continue
        in_person = not licence.issuer_code.startswith(WEIHAI_DIVISION)
        until = min(limit, end) if end else limit
        return Decision(kind, GROUP_OF[kind], until, in_person, licence)
    return None


def fallback(birth_date: date, today: date) -> Decision | None:
    """What a rider keeps when their card's certificate is gone: the senior fare, if of age."""
    return decide(CardKind.SENIOR, birth_date, [], today)
