"""One-line status for the chat's shortcuts: a registry of sources, one per service.

Each source reads its service's own tables. Services are built separately, so a source whose
models are missing (or that fails) gives "not available" rather than breaking the answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import Protocol

log = logging.getLogger("palm.bot")


class StatusSource(Protocol):
    """Reads a resident's status in one service, as one line in their language."""

    name: tuple[str, str]  # the service's name in Chinese and English

    async def line(self, resident_id: uuid.UUID, lang: str, today: date) -> str: ...


class Registry:
    """Sources by service key; ``line`` never raises."""

    def __init__(self) -> None:
        self._sources: dict[str, Callable[[], StatusSource]] = {}

    def register(self, service: str, factory: Callable[[], StatusSource]) -> None:
        self._sources[service] = factory

    def __contains__(self, service: str) -> bool:
        return service in self._sources

    async def line(self, service: str, resident_id: uuid.UUID, lang: str, today: date) -> str:
        """The status line, or a polite "not available" when the service cannot say."""
        factory = self._sources.get(service)
        try:
            if factory is None:
                raise LookupError(service)
            return await factory().line(resident_id, lang, today)
        except ImportError:
            log.info("status of %s not available: service not installed", service)
        except Exception:  # a broken source must not take the chat down with it
            log.exception("status of %s failed", service)
        return "该服务状态暂时无法查询。" if lang == "zh" else "This status is not available now."


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"
