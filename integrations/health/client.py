"""Client for the provincial health information platform (FHIR R4)."""

from __future__ import annotations

from integrations.client import SignedPlatformClient


class HealthClient(SignedPlatformClient):
    """The operations our services use (being built under issue 7)."""
