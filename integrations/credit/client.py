"""Client for 信用山东 (Shandong public credit platform): signed requests, typed answers."""

from __future__ import annotations

from integrations.client import SignedPlatformClient


class CreditClient(SignedPlatformClient):
    """The operations our services use (being built under issue 8)."""
