"""The simulated world's people: valid ID numbers, consistent families, WeChat-looking ids."""

from __future__ import annotations

import re
from datetime import date

import pytest

from integrations.simworld import (
    PEOPLE,
    PERSONAS,
    RELATIVES,
    Person,
    gb11643_check_digit,
    openid_for,
    person_from_json,
    persona_by_openid,
    unionid_for,
)

WEIHAI_COUNTIES = {"371002", "371003", "371082", "371083"}
CHINESE_IDS = [p for p in PEOPLE.values() if p.id_type in ("id_card", "permanent_residence")]
DAY = date(2026, 11, 27)


def test_check_digit_known_vector() -> None:
    assert gb11643_check_digit("11010519491231002") == "X"  # the standard's own example


@pytest.mark.parametrize("bad", ["", "1234567890123456", "3710021990071203a", "１" * 17])
def test_check_digit_rejects_non_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        gb11643_check_digit(bad)


@pytest.mark.parametrize("person", CHINESE_IDS, ids=lambda p: p.key)
def test_id_numbers_are_valid_and_encode_birth_and_sex(person: Person) -> None:
    number = person.id_number
    assert re.fullmatch(r"[0-9]{17}[0-9X]", number)
    assert gb11643_check_digit(number[:17]) == number[17]
    assert number[6:14] == person.birth_date.strftime("%Y%m%d")
    assert ("M" if int(number[16]) % 2 else "F") == person.sex
    if person.id_type == "id_card":
        assert number[:6] in WEIHAI_COUNTIES
        assert person.nationality == "CHN"
    else:  # 2023 foreign permanent residence card: 9, province, nationality code
        assert number.startswith("937410")
        assert person.nationality == "KOR"


def test_ids_and_phones_are_unique_and_phones_look_mainland() -> None:
    assert len({p.id_number for p in PEOPLE.values()}) == len(PEOPLE)
    phones = [p.phone for p in PEOPLE.values() if p.phone is not None]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"1[3-9][0-9]{9}", phone) for phone in phones)
    assert all(p.phone for p in PERSONAS.values())  # every login persona can share a phone


def test_ages_the_services_depend_on() -> None:
    assert PEOPLE["elder"].age_on(DAY) == 67  # free bus rides from 65
    assert PEOPLE["parent_mother"].age_on(DAY) == 62  # half fare at 60-64
    assert PEOPLE["parent_child"].age_on(DAY) < 18
    assert PEOPLE["elder"].age_on(date(2026, 3, 14)) == 66
    assert {k: PEOPLE[k].birth_date.year for k in ("resident", "talent", "parent", "debtor")} == {
        "resident": 1990,
        "talent": 1988,
        "parent": 1985,
        "debtor": 1980,
    }
    assert PERSONAS["talent"].education == "doctorate"


def test_relatives_are_people_but_not_personas() -> None:
    assert set(RELATIVES) == {"parent_child", "parent_mother"}
    assert not set(RELATIVES) & set(PERSONAS)
    assert PERSONAS["parent"].related("child") == ("parent_child",)
    assert PERSONAS["parent"].related("mother") == ("parent_mother",)
    assert PEOPLE["parent_child"].household_id == PERSONAS["parent"].household_id


@pytest.mark.parametrize("person", PEOPLE.values(), ids=lambda p: p.key)
def test_relations_are_mutual(person: Person) -> None:
    for relation, key in person.relations:
        other = PEOPLE[key]
        if relation == "child":
            parent_role = "mother" if person.sex == "F" else "father"
            assert (parent_role, person.key) in other.relations
        elif relation in ("mother", "father"):
            assert other.sex == ("F" if relation == "mother" else "M")
            assert ("child", person.key) in other.relations


def test_openids_look_like_wechat_and_depend_on_the_app() -> None:
    openid = openid_for("wx-demo-appid", "resident")
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", openid)
    assert openid == openid_for("wx-demo-appid", "resident")
    assert openid != openid_for("wx-other-appid", "resident")
    assert openid[:6] == openid_for("wx-demo-appid", "elder")[:6]  # per-app prefix, like WeChat
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", unionid_for("resident"))
    assert persona_by_openid("wx-demo-appid", openid) == PERSONAS["resident"]
    assert persona_by_openid("wx-demo-appid", "oUnknown") is None


def test_person_from_json() -> None:
    data = {
        "key": "k", "name": "宋雨桐", "id_number": "1", "birth_date": "1998-11-11",
        "sex": "F", "phone": None, "household_id": None,
    }  # fmt: skip
    person = person_from_json(data)
    assert person.birth_date == date(1998, 11, 11)
    assert person.id_type == "id_card"
    with pytest.raises(ValueError, match="sex"):
        person_from_json({**data, "sex": "X"})
