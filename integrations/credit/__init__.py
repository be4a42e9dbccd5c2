"""Adapter and simulator for 信用山东 (Shandong public credit platform)."""

from integrations.credit import simulator
from integrations.credit.client import CreditClient

__all__ = ["CreditClient", "simulator"]
