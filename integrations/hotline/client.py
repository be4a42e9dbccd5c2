"""Client for the 12345 hotline platform: signed requests, typed answers."""

from __future__ import annotations

from integrations.client import SignedPlatformClient


class HotlineClient(SignedPlatformClient):
    """The operations our services use (being built under issue 9)."""
