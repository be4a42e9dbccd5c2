"""Adapter for 信用山东 (Shandong public credit platform)."""

from integrations.credit.client import CreditClient
from integrations.credit.models import CreditIdentity, Feedback

__all__ = ["CreditClient", "CreditIdentity", "Feedback"]
