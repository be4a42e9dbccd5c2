"""The simulated outside world's people, shared by every simulator and by demo seeding.

Login personas are the mini-program's main users; relatives can sign in too (to confirm a
delegation, say) but are otherwise only in platforms' records.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import TypeAdapter

from integrations.base import IdType

Sex = Literal["M", "F"]
Relation = Literal["father", "mother", "child", "spouse"]
Education = Literal["secondary", "bachelor", "master", "doctorate"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def gb11643_check_digit(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@dataclass(frozen=True, slots=True)
class Person:
    """One person as the outside platforms know them."""

    key: str
    name: str
    id_number: str
    birth_date: date
    sex: Sex
    phone: str | None  # None: no phone of their own (a child)
    household_id: str | None  # 户 in the household register; foreigners are not in it
    id_type: IdType = "id_card"
    name_en: str | None = None
    nationality: str = "CHN"  # ISO 3166-1 alpha-3
    # (relation, key): what the person ``key`` is to this one, e.g. ("child", "parent_child").
    relations: tuple[tuple[Relation, str], ...] = ()
    education: Education | None = None
    employer: str | None = None
    occupation: str | None = None

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def related(self, relation: Relation) -> tuple[str, ...]:
        return tuple(key for rel, key in self.relations if rel == relation)


PERSONAS: dict[str, Person] = {
    p.key: p
    for p in (
        Person("resident", "于晓峰", "371002199007120311", date(1990, 7, 12), "M",
               "13863104527", "HH-371002-0001"),
        Person("elder", "丛桂兰", "371003195903150242", date(1959, 3, 15), "F",
               "13356302918", "HH-371003-0002"),
        Person("talent", "林嘉言", "37108219881008015X", date(1988, 10, 8), "M",
               "18863170236", "HH-371082-0003", education="doctorate",
               employer="威海蓝海智能装备有限公司", occupation="研发工程师"),
        Person("parent", "孙丽娜", "371002198506020468", date(1985, 6, 2), "F",
               "15165806613", "HH-371002-0004",
               relations=(("child", "parent_child"), ("mother", "parent_mother"))),
        Person("debtor", "张建军", "371002198011230578", date(1980, 11, 23), "M",
               "17705318842", "HH-371002-0006"),
        # 2023 foreign permanent residence card: 9, province 37, nationality 410 (KOR),
        # birth date, sequence, GB 11643 check digit.
        Person("foreigner", "金敏俊", "937410198704180114", date(1987, 4, 18), "M",
               "19963112750", None, id_type="permanent_residence", name_en="KIM MINJUN",
               nationality="KOR"),
        Person("librarian", "王静", "371002199202140828", date(1992, 2, 14), "F",
               "15806318320", "HH-371002-0007", occupation="图书馆员"),
        Person("gatekeeper", "谷志刚", "371082197508300399", date(1975, 8, 30), "M",
               "13706301594", "HH-371082-0008", occupation="景区检票员"),
        Person("cashier", "杨雪", "371003199512050664", date(1995, 12, 5), "F",
               "18763121048", "HH-371003-0009", occupation="医院收费员"),
        Person("doctor", "曲文博", "371002197801260718", date(1978, 1, 26), "M",
               "13181350267", "HH-371002-0010", occupation="主治医师"),
        Person("officer", "鞠红梅", "371002198309090547", date(1983, 9, 9), "F",
               "15966315089", "HH-371002-0011", occupation="人才办工作人员"),
    )
}  # fmt: skip

RELATIVES: dict[str, Person] = {
    p.key: p
    for p in (
        Person("parent_child", "毕梓轩", "371002201609010136", date(2016, 9, 1), "M",
               None, "HH-371002-0004", relations=(("mother", "parent"),)),
        Person("parent_mother", "刘秀英", "371083196405200282", date(1964, 5, 20), "F",
               "13012981704", "HH-371083-0005", relations=(("child", "parent"),)),
    )
}  # fmt: skip

PEOPLE: dict[str, Person] = {**PERSONAS, **RELATIVES}
"""Everyone the simulated platforms hold records for."""

_PERSON = TypeAdapter(Person)


def person_from_json(data: Any) -> Person:
    """A person described in JSON (a simulator's ``/_sim/people``); ``ValueError`` if malformed."""
    return _PERSON.validate_python(data)


def _digest(*parts: str) -> str:
    raw = hashlib.sha256("\0".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def openid_for(app_id: str, key: str) -> str:
    """The openid WeChat gives ``key`` in ``app_id``: 28 chars, a per-app prefix like real ones."""
    return "o" + _digest("app", app_id)[:5] + _digest("openid", app_id, key)[:22]


def unionid_for(key: str) -> str:
    """The unionid of ``key``: the same in every app of our WeChat open-platform account."""
    return "o" + _digest("unionid", key)[:27]


def persona_by_openid(app_id: str, openid: str) -> Person | None:
    """The login persona whose openid in ``app_id`` is ``openid``, if any."""
    return next((p for p in PERSONAS.values() if openid_for(app_id, p.key) == openid), None)


def person_by_openid(app_id: str, openid: str) -> Person | None:
    """Like ``persona_by_openid``, over everyone: relatives can use the mini-program too."""
    return next((p for p in PEOPLE.values() if openid_for(app_id, p.key) == openid), None)
