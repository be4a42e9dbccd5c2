"""Electronic licences (电子证照) the simulated world's people hold, keyed by ID number.

Issuer codes are GB/T 2260 divisions of the issuer's seat: ``3710…`` is Weihai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from integrations.aishandong.models import LicenceKind
from integrations.simworld import PEOPLE

# Attributes each kind must carry: the allowed values, or None for free text.
ATTRIBUTES: dict[LicenceKind, dict[str, frozenset[str] | None]] = {
    # Category and grade as on the second-generation card (GB/T 26341-2010).
    "disability_certificate": {
        "category": frozenset(
            {"visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"}
        ),
        "grade": frozenset({"1", "2", "3", "4"}),
    },
    "degree": {"level": frozenset({"bachelor", "master", "doctorate"}), "field": None,
               "institution": None},
    "professional_title": {
        "level": frozenset({"junior", "intermediate", "senior", "full_senior"}), "title": None,
    },
    "veteran_family": {
        "kind": frozenset({"disabled_veteran", "martyr_family", "died_on_duty_family",
                           "died_of_illness_family", "demobilised_veteran", "war_veteran"}),
    },
    "student_status": {
        "school": None,
        "stage": frozenset({"primary", "junior_secondary", "senior_secondary", "vocational",
                            "undergraduate", "postgraduate"}),
        "expected_graduation": None,  # YYYY-MM
    },
    "labour_contract": {"employer": None, "ends_on": None},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LicenceRecord:
    """One licence as its issuer filed it; the holder is whoever's ID number it is kept under."""

    kind: LicenceKind
    number: str
    issuer: str
    issuer_code: str
    issued_on: date
    valid_until: date | None  # None: valid for life (degrees, titles)
    attributes: dict[str, str]


_RECORD = TypeAdapter(LicenceRecord)


def licence_from_json(data: Any) -> LicenceRecord:
    """A licence described in JSON (``/_sim/licences``); ``ValueError`` if malformed."""
    record = _RECORD.validate_python(data)
    if not (record.number and record.issuer and record.issuer_code.isdigit()):
        raise ValueError("number, issuer and a numeric issuer_code are required")
    rules = ATTRIBUTES[record.kind]
    if set(record.attributes) != set(rules):
        raise ValueError(f"{record.kind} attributes are {sorted(rules)}")
    for name, allowed in rules.items():
        value = record.attributes[name]
        if not value:
            raise ValueError(f"{record.kind}.{name} must not be empty")
        if allowed is not None and value not in allowed:
            raise ValueError(f"{record.kind}.{name} must be one of {sorted(allowed)}")
    return record


def _seed(key: str, *records: LicenceRecord) -> tuple[str, tuple[LicenceRecord, ...]]:
    return PEOPLE[key].id_number, records


LICENCES: dict[str, tuple[LicenceRecord, ...]] = dict([
    # Degree numbers: institution code, level (2 doctor, 3 master, 4 bachelor), year, serial.
    _seed("talent",
          LicenceRecord("degree", "1021322016000417", "哈尔滨工业大学", "230103",
                        date(2016, 6, 28), None,
                        {"level": "doctorate", "field": "机械工程",
                         "institution": "哈尔滨工业大学"}),
          LicenceRecord("professional_title", "370000202112GJ1046", "山东省人力资源和社会保障厅",
                        "370000", date(2021, 12, 20), None,
                        {"level": "senior", "title": "高级工程师"}),
          LicenceRecord("labour_contract", "HT371000-2024-018832", "威海市人力资源和社会保障局",
                        "371000", date(2024, 7, 1), date(2029, 6, 30),
                        {"employer": "威海蓝海智能装备有限公司", "ends_on": "2029-06-30"})),
    _seed("doctor",
          LicenceRecord("degree", "1106532004000215", "青岛大学", "370202", date(2004, 6, 30),
                        None, {"level": "master", "field": "临床医学", "institution": "青岛大学"}),
          LicenceRecord("professional_title", "371000201309ZJ0388", "威海市人力资源和社会保障局",
                        "371000", date(2013, 9, 16), None,
                        {"level": "intermediate", "title": "主治医师"})),
    _seed("resident",
          LicenceRecord("degree", "1042242012004381", "山东大学", "370102", date(2012, 6, 20),
                        None, {"level": "bachelor", "field": "计算机科学与技术",
                               "institution": "山东大学"})),
    # A disability card number is the ID number, then category (4 physical) and grade digits.
    _seed("parent_mother",
          LicenceRecord("disability_certificate", "37108319640520028242", "乳山市残疾人联合会",
                        "371083", date(2022, 3, 18), date(2032, 3, 17),
                        {"category": "physical", "grade": "2"})),
    # A national student number is G and the ID number.
    _seed("parent_child",
          LicenceRecord("student_status", "G371002201609010136", "威海市环翠区教育和体育局",
                        "371002", date(2023, 9, 1), None,
                        {"school": "威海市环翠区海滨小学", "stage": "primary",
                         "expected_graduation": "2029-07"})),
    _seed("gatekeeper",
          LicenceRecord("veteran_family", "YF371082-000357", "荣成市退役军人事务局", "371082",
                        date(2019, 8, 1), None, {"kind": "martyr_family"})),
])  # fmt: skip
"""Seeded licences; simulators copy it so tests can add, replace and expire their own."""
