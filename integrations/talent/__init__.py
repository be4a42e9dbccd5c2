"""Talent platform (人社/人才): qualification look-up and its change feed."""

from integrations.talent.client import TalentClient
from integrations.talent.models import (
    TALENT_CLASSES,
    Change,
    ChangePage,
    ErrCode,
    Qualification,
    TalentClass,
)

__all__ = [
    "TALENT_CLASSES",
    "Change",
    "ChangePage",
    "ErrCode",
    "Qualification",
    "TalentClass",
    "TalentClient",
]
