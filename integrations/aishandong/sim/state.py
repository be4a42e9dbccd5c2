"""What the 爱山东 simulator keeps: people, their licences, licence services taken offline."""

from __future__ import annotations

from aiohttp import web

from integrations.aishandong.models import LicenceKind
from integrations.base import IdType
from integrations.simworld import Person, gb11643_check_digit
from integrations.simworld_licences import LicenceRecord

RECORDS = web.AppKey("aishandong_people", dict[str, Person])
LICENCES = web.AppKey("aishandong_licences", dict[str, list[LicenceRecord]])  # by ID number
OFFLINE = web.AppKey("aishandong_offline_kinds", set[LicenceKind])


def well_formed(id_type: IdType, number: str) -> bool:
    """Whether ``number`` can be a document of this type (GB 11643 check digit for ID cards)."""
    if id_type == "passport":
        return 5 <= len(number) <= 20 and number.isascii() and number.isalnum()
    return (
        len(number) == 18
        and number[:17].isascii()
        and number[:17].isdigit()
        and gb11643_check_digit(number[:17]) == number[17].upper()
    )


def holder(records: dict[str, Person], number: str, id_type: IdType | None = None) -> Person | None:
    """The person whose document number is ``number`` (of ``id_type``, when given)."""
    return next(
        (
            p
            for p in records.values()
            if p.id_number.upper() == number.upper() and id_type in (None, p.id_type)
        ),
        None,
    )


def household_of(records: dict[str, Person], person: Person) -> list[Person]:
    """Everyone registered in ``person``'s household, the head first."""
    # The simworld records no head: the eldest member is taken, as in most households.
    members = [p for p in records.values() if p.household_id == person.household_id]
    return sorted(members, key=lambda p: (p.birth_date, p.key))


def relation_to_head(head: Person, member: Person) -> str:
    """The relation the register writes for ``member``, in Chinese as the register has it."""
    if member.key == head.key:
        return "户主"
    relation = next((rel for rel, key in head.relations if key == member.key), None)
    if relation == "child":
        return "子" if member.sex == "M" else "女"
    names = {"spouse": "配偶", "mother": "母亲", "father": "父亲"}
    return names.get(relation or "", "其他")
