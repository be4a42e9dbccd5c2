"""What the 12345 simulator holds: tickets with their steps and the residents' actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from integrations.base import Platform


@dataclass
class SimTicket:
    number: str
    external_id: str
    category: str
    content: str
    contact: str | None
    events: list[dict[str, Any]] = field(default_factory=list)
    # Follow-ups, chases and evaluations by actionId: the same id answers the same receipt.
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    rated: bool = False
    chased_at: float | None = None  # epoch seconds of the last chase taken


@dataclass
class HotlineWorld:
    tickets: dict[str, SimTicket] = field(default_factory=dict)  # by ticket number
    callback_url: str | None = None
    pushes: list[dict[str, Any]] = field(default_factory=list)


WORLD = web.AppKey("hotline_world", HotlineWorld)
PLATFORM = web.AppKey("hotline_platform", Platform)
SESSION = web.AppKey("hotline_session", aiohttp.ClientSession)
