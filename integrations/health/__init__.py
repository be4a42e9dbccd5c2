"""Adapter for the provincial health information platform (FHIR R4)."""

from integrations.health.client import HealthClient

__all__ = ["HealthClient"]
