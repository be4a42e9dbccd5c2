"""What the credit simulator holds: seeded evaluations and debtors, feedback records received."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiohttp import web

from integrations.credit.models import Rating
from integrations.simworld import PEOPLE


@dataclass(frozen=True, slots=True)
class Evaluation:
    rating: Rating
    score: int
    evaluated_on: date = date(2026, 1, 1)


# By simworld key. Most people keep their promises; ``debtor`` is on the list (two cases).
# The minor child has never been evaluated.
EVALUATIONS: dict[str, Evaluation] = {
    "resident": Evaluation("A", 782),
    "elder": Evaluation("A", 761),
    "talent": Evaluation("A+", 868),
    "parent": Evaluation("A", 735),
    "debtor": Evaluation("D", 412),
    "foreigner": Evaluation("B", 655),
    "librarian": Evaluation("A", 770),
    "gatekeeper": Evaluation("A", 744),
    "cashier": Evaluation("A", 752),
    "doctor": Evaluation("A+", 851),
    "officer": Evaluation("A", 790),
    "parent_mother": Evaluation("B", 688),
}
DEBTORS: dict[str, int] = {"debtor": 2}  # key → open enforcement cases


@dataclass
class CreditState:
    """One simulator's records, by ID number; tests change them through ``/_sim/``."""

    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    debtors: dict[str, int] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)  # the names each holder goes by
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # by serial number
    received: int = 0  # feedback calls, duplicates included

    @classmethod
    def seeded(cls) -> CreditState:
        by_key = {key: person.id_number.upper() for key, person in PEOPLE.items()}
        return cls(
            evaluations={by_key[k]: e for k, e in EVALUATIONS.items()},
            debtors={by_key[k]: cases for k, cases in DEBTORS.items()},
            names={
                p.id_number.upper(): {p.name, *([p.name_en] if p.name_en else [])}
                for p in PEOPLE.values()
            },
        )


STATE = web.AppKey("credit_state", CreditState)
