"""The seeded licences: valid by their own rules, consistent with the people who hold them."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from integrations.simworld import PEOPLE, PERSONAS
from integrations.simworld_licences import LICENCES, LicenceRecord, licence_from_json

BY_ID = {p.id_number: p for p in PEOPLE.values()}
SEEDED = [(holder, record) for holder, held in LICENCES.items() for record in held]


def held_by(key: str) -> dict[str, LicenceRecord]:
    return {r.kind: r for r in LICENCES.get(PEOPLE[key].id_number, ())}


@pytest.mark.parametrize(("holder", "record"), SEEDED, ids=lambda v: getattr(v, "kind", "")[:12])
def test_seeds_pass_their_own_rules(holder: str, record: LicenceRecord) -> None:
    assert holder in BY_ID
    assert licence_from_json(dataclasses.asdict(record)) == record
    assert record.valid_until is None or record.valid_until > record.issued_on


def test_talent_doctorate_title_and_contract() -> None:
    held = held_by("talent")
    assert set(held) == {"degree", "professional_title", "labour_contract"}
    assert held["degree"].attributes["level"] == PERSONAS["talent"].education
    assert held["professional_title"].attributes["level"] == "senior"
    contract = held["labour_contract"]
    assert contract.valid_until == date(2029, 6, 30)
    assert contract.attributes["ends_on"] == contract.valid_until.isoformat()
    assert contract.attributes["employer"] == PERSONAS["talent"].employer


def test_degree_numbers_encode_institution_level_and_year() -> None:
    levels = {"doctorate": "2", "master": "3", "bachelor": "4"}
    degrees = [r for _, r in SEEDED if r.kind == "degree"]
    assert len(degrees) == 3
    for degree in degrees:
        assert len(degree.number) == 16
        assert degree.number.isdigit()
        assert degree.number[5] == levels[degree.attributes["level"]]
        assert degree.number[6:10] == str(degree.issued_on.year)


def test_one_weihai_disability_certificate_numbered_after_its_holder() -> None:
    cards = [(h, r) for h, r in SEEDED if r.kind == "disability_certificate"]
    assert [BY_ID[h].key for h, _ in cards] == ["parent_mother"]
    (holder, card), category_digit = cards[0], {"physical": "4"}
    assert card.issuer_code.startswith("3710")
    assert card.number == holder + category_digit[card.attributes["category"]] + "2"


def test_who_holds_what() -> None:
    assert held_by("elder") == {}
    assert set(held_by("parent_child")) == {"student_status"}
    child = PEOPLE["parent_child"]
    assert held_by("parent_child")["student_status"].number == "G" + child.id_number
    assert set(held_by("gatekeeper")) == {"veteran_family"}


GOOD: dict[str, Any] = {
    "kind": "professional_title", "number": "N-1", "issuer": "威海市人力资源和社会保障局",
    "issuer_code": "371000", "issued_on": "2020-01-01", "valid_until": None,
    "attributes": {"level": "junior", "title": "助理工程师"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attributes": {"level": "junior"}}, "attributes are"),
        ({"attributes": {"level": "chief", "title": "x"}}, "must be one of"),
        ({"attributes": {"level": "junior", "title": ""}}, "must not be empty"),
        ({"issuer_code": "SD"}, "issuer_code"),
        ({"number": ""}, "number"),
        ({"kind": "passport"}, "kind"),
    ],
)
def test_licence_from_json_refuses(change: dict[str, Any], message: str) -> None:
    assert licence_from_json(GOOD).issued_on == date(2020, 1, 1)
    with pytest.raises(ValueError, match=message):
        licence_from_json({**GOOD, **change})
