"""Talent platform (人社/人才) payloads: a person's qualification and the feed of changes."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TalentClass = Literal["A", "B", "C", "D", "E", "practical"]
"""Weihai's talent classes A (top) to E, and practical talent (实用人才) outside the ladder."""
TALENT_CLASSES: tuple[TalentClass, ...] = ("A", "B", "C", "D", "E", "practical")

EducationLevel = Literal["secondary", "bachelor", "master", "doctorate"]
TitleLevel = Literal["junior", "intermediate", "senior", "full_senior"]
ChangeKind = Literal["degree", "title", "class", "contract", "employer"]


class ErrCode(IntEnum):
    """Talent platform business codes (10001-10005 are the shared signature refusals)."""

    BAD_PARAMETERS = 30001
    NO_RECORD = 30002  # the platform holds nothing on this person
    NAME_MISMATCH = 30003  # the number is known, under another name


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True)


class Education(_Answer):
    level: EducationLevel
    institution: str
    awarded_on: date = Field(alias="awardedOn")


class Title(_Answer):
    """A professional title (职称): its level and its name, e.g. senior, 高级工程师."""

    level: TitleLevel
    name: str
    awarded_on: date = Field(alias="awardedOn")


class Qualification(_Answer):
    """``qualification/query``: what the platform has certified about one person."""

    talent_class: TalentClass | None = Field(alias="talentClass")
    education: Education | None = None
    title: Title | None = None
    employer: str | None = None
    contract_ends_on: date | None = Field(default=None, alias="contractEndsOn")
    certified_on: date | None = Field(default=None, alias="certifiedOn")
    version: int = Field(ge=1)


class Change(_Answer):
    """One entry of the change feed: whose record changed, in what, and its sequence."""

    seq: int = Field(ge=1)
    id_number: str = Field(alias="certNo")
    kind: ChangeKind = Field(alias="change")
    version: int = Field(ge=1)
    changed_at: datetime = Field(alias="changedAt")


class ChangePage(_Answer):
    """``qualification/changes``: entries after a sequence number, oldest first."""

    changes: list[Change]
    next: int = Field(ge=0, description="Pass as ``since`` to continue")
    more: bool
