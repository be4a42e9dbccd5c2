"""Tunable numbers of the medical service: cache ages, breaker, consent codes, recognition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_WINDOWS = MappingProxyType({"lab": 7, "imaging": 30})


@dataclass(frozen=True, slots=True)
class MedicalConfig:
    """Defaults suit production; ``settings.medical`` overrides them."""

    fresh_seconds: int = 60
    """Platform answers younger than this are served from the cache without asking again."""
    keep_seconds: int = 900
    """Cached answers (encrypted) live this long, to be shown with their age in an outage."""
    breaker_failures: int = 5
    """Consecutive failed platform calls that open the circuit."""
    breaker_cooldown: int = 30
    """Seconds the circuit stays open before one trial call is let through."""
    consent_seconds: int = 600
    """Validity of a consent code (and of the clinician's view it opens)."""
    recognition_days: Mapping[str, int] = field(default_factory=lambda: dict(_WINDOWS))
    """Days a result stays recognisable by other hospitals, per kind (lab, imaging)."""
