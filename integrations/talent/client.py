"""Client for the talent platform (人社/人才): signed requests, typed answers."""

from __future__ import annotations

from integrations.client import SignedPlatformClient


class TalentClient(SignedPlatformClient):
    """The operations our services use (being built under issue 5)."""
