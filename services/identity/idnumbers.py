"""Identity document numbers: GB 11643 resident ID cards and foreigners' permanent residence.

Validated locally (format, date, check digit) before any platform is asked, so a typo gets a
clear answer at once and never costs a call to 爱山东.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.errors import FieldError, ValidationFailed

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID18 = re.compile(r"^\d{17}[\dX]$")
_OLD_PR = re.compile(r"^[A-Z]{3}\d{12}$")  # permanent residence card before December 2023
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


@dataclass(frozen=True, slots=True)
class ParsedId:
    number: str
    birth_date: date | None
    sex: str | None  # "M" or "F"


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of GB 11643-1999."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def parse(id_type: str, raw: str, *, today: date, path: str = "body/id_number") -> ParsedId:
    """Normalise and validate a document number; derive birth date and sex where encoded."""
    number = raw.strip().upper().replace(" ", "")
    if id_type == "passport":
        if not _PASSPORT.match(number):
            raise _invalid(path, "passport number must be 5 to 20 letters or digits")
        return ParsedId(number, None, None)
    if id_type == "permanent_residence" and _OLD_PR.match(number):
        return ParsedId(number, None, None)
    if not _ID18.match(number):
        raise _invalid(path, "must be 18 characters: 17 digits and a digit or X")
    if id_type == "permanent_residence" and not number.startswith("9"):
        raise _invalid(path, "a permanent residence card number starts with 9")
    if id_type == "id_card" and number.startswith("9"):
        raise _invalid(path, "this is a permanent residence card number; choose that type")
    birth = _date(number[6:14], path)
    if birth > today or birth.year < 1900:
        raise _invalid(path, "the birth date in the number is not possible")
    if check_digit(number[:17]) != number[17]:
        raise _invalid(path, "the check digit does not match; please check the number")
    return ParsedId(number, birth, "M" if int(number[16]) % 2 else "F")


def _date(text: str, path: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise _invalid(path, "the birth date in the number is not a real date") from None


def _invalid(path: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(path=path, message=message, type="id_number_invalid")])


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
