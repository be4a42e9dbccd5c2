"""What every platform adapter shares: its address and credentials, errors, call metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

IdType = Literal["id_card", "permanent_residence", "passport"]
"""The identity documents the platforms know (each names them by its own codes)."""

EMBEDDED = "embedded"
"""A platform URL left at this value is served by its simulator, started in-process."""

PLACEHOLDER_PREFIX = "placeholder-"


@dataclass(frozen=True, slots=True)
class Platform:
    """How to reach one outside platform: base URL and the credentials it issued us."""

    name: str
    base_url: str
    app_id: str
    secret: str
    timeout: float = 5.0

    @property
    def embedded(self) -> bool:
        return self.base_url == EMBEDDED

    @property
    def placeholder(self) -> bool:
        return self.secret.startswith(PLACEHOLDER_PREFIX)


class OutboundObserver(Protocol):
    """Receives one record per outbound call (the app's metrics implement it)."""

    def observe(self, platform: str, operation: str, outcome: str, seconds: float) -> None: ...


class NullObserver:
    def observe(self, platform: str, operation: str, outcome: str, seconds: float) -> None:
        return None


NULL_OBSERVER = NullObserver()
"""Stateless, so one shared instance can serve as a default argument."""


class PlatformError(Exception):
    """The platform answered with a business error (its ``code``/``errcode`` was not 0)."""

    def __init__(self, platform: str, code: int, message: str) -> None:
        super().__init__(f"{platform} error {code}: {message}")
        self.platform = platform
        self.code = code
        self.message = message


class PlatformUnavailable(Exception):
    """The platform could not be reached, timed out, or answered something unreadable."""

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(f"{platform} unavailable: {reason}")
        self.platform = platform
        self.reason = reason
