"""What the talent platform simulator keeps: certified records and the feed of their changes.

Records are seeded from the simworld: degrees, titles and labour contracts from the people's
electronic licences, so the talent platform and 爱山东 agree about everyone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from aiohttp import web
from pydantic import TypeAdapter

from integrations.simworld import PEOPLE
from integrations.simworld_licences import LICENCES, LicenceRecord
from integrations.talent.models import ChangeKind, EducationLevel, TalentClass, TitleLevel

# Classes the platform has certified; everyone else on record holds degrees or titles only.
SEEDED_CLASSES: dict[str, TalentClass] = {"talent": "D"}
SEEDED_EMPLOYERS: dict[str, str] = {"doctor": "威海市立医院"}


@dataclass(frozen=True, slots=True)
class Degree:
    level: EducationLevel
    institution: str
    awarded_on: date


@dataclass(frozen=True, slots=True)
class ProfessionalTitle:
    level: TitleLevel
    name: str
    awarded_on: date


@dataclass(frozen=True, slots=True)
class TalentRecord:
    """One person as the talent platform holds them, keyed by ID number."""

    id_number: str
    name: str
    talent_class: TalentClass | None = None
    education: Degree | None = None
    title: ProfessionalTitle | None = None
    employer: str | None = None
    contract_ends_on: date | None = None
    certified_on: date | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    seq: int
    id_number: str
    kind: ChangeKind
    version: int
    changed_at: datetime


@dataclass
class TalentWorld:
    """The simulator's mutable state: records, the change feed, and whether it is serving."""

    records: dict[str, TalentRecord]
    changes: list[ChangeEntry] = field(default_factory=list)

    def put(self, record: TalentRecord, now: datetime) -> list[ChangeEntry]:
        """Store ``record`` as a new version; one feed entry per kind of change."""
        old = self.records.get(record.id_number)
        kinds = _changed(old, record)
        record = dataclasses.replace(record, version=(old.version + 1) if old else 1)
        self.records[record.id_number] = record
        added = []
        for kind in kinds:
            entry = ChangeEntry(len(self.changes) + 1, record.id_number, kind, record.version, now)
            self.changes.append(entry)
            added.append(entry)
        return added


STATE = web.AppKey("talent_world", TalentWorld)

_FIELDS: tuple[tuple[str, ChangeKind], ...] = (
    ("talent_class", "class"),
    ("education", "degree"),
    ("title", "title"),
    ("contract_ends_on", "contract"),
    ("employer", "employer"),
)


def _changed(old: TalentRecord | None, new: TalentRecord) -> list[ChangeKind]:
    return [
        kind
        for name, kind in _FIELDS
        if getattr(new, name) is not None
        and (old is None or getattr(old, name) != getattr(new, name))
    ]


_RECORD = TypeAdapter(TalentRecord)


def record_from_json(base: TalentRecord | None, data: dict[str, Any]) -> TalentRecord:
    """``base`` with the fields ``data`` names replaced; ``ValueError`` if malformed."""
    merged = dataclasses.asdict(base) if base else {}
    merged.update(data)
    return _RECORD.validate_python(merged)


def _latest(held: tuple[LicenceRecord, ...], kind: str) -> LicenceRecord | None:
    of_kind = [r for r in held if r.kind == kind]
    return max(of_kind, key=lambda r: r.issued_on) if of_kind else None


def _degree(licence: LicenceRecord | None) -> Degree | None:
    if licence is None:
        return None
    level = cast(EducationLevel, licence.attributes["level"])
    return Degree(level, licence.attributes["institution"], licence.issued_on)


def _title(licence: LicenceRecord | None) -> ProfessionalTitle | None:
    if licence is None:
        return None
    level = cast(TitleLevel, licence.attributes["level"])
    return ProfessionalTitle(level, licence.attributes["title"], licence.issued_on)


def seeded_world() -> TalentWorld:
    """A fresh copy of the seeded records (each simulator gets its own)."""
    records = {}
    for key, person in PEOPLE.items():
        held = LICENCES.get(person.id_number, ())
        degree, title = _latest(held, "degree"), _latest(held, "professional_title")
        contract = _latest(held, "labour_contract")
        if degree is None and title is None:
            continue
        records[person.id_number] = TalentRecord(
            id_number=person.id_number,
            name=person.name,
            talent_class=SEEDED_CLASSES.get(key),
            education=_degree(degree),
            title=_title(title),
            employer=contract.attributes["employer"] if contract else SEEDED_EMPLOYERS.get(key),
            contract_ends_on=contract.valid_until if contract else None,
            certified_on=date(2024, 8, 15) if key in SEEDED_CLASSES else None,
        )
    return TalentWorld(records)


def now_utc(offset: float) -> datetime:
    return datetime.fromtimestamp(datetime.now(UTC).timestamp() + offset, UTC)
