"""Adapter and simulator for the talent platform (人社/人才)."""

from integrations.talent import simulator
from integrations.talent.client import TalentClient

__all__ = ["TalentClient", "simulator"]
