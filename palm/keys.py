"""Typed keys for everything the app holds (AppKey) and for per-request values (RequestKey)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from bot.router import Router
from bot.tasks import Tracker
from integrations.base import Platform
from palm.metrics import Metrics
from palm.settings import Settings
from services.deps import Deps
from services.identity.auth import Principal
from services.identity.devices import DevicePrincipal

if TYPE_CHECKING:
    from palm.api import Operation
    from palm.jobs import JobQueue
    from palm.public import PublicUrl

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
METRICS_URL = web.AppKey("metrics_url", str)
"""Where the metrics listener answers (only when PALM_METRICS_PORT is set)."""
HTTP = web.AppKey("http", aiohttp.ClientSession)
PLATFORMS = web.AppKey("platforms", dict[str, Platform])
"""Each platform as the app reaches it: embedded simulators resolved to their loopback URL."""
DEPS = web.AppKey("deps", Deps)
"""Redis, the field cipher, every platform client: their one source, for handlers, services and
job handlers alike (``request.app[keys.DEPS].cipher``); no other key repeats them."""
JOBS: web.AppKey[JobQueue] = web.AppKey("jobs")
BOT_ROUTER = web.AppKey("bot_router", Router)
BOT_TASKS = web.AppKey("bot_tasks", Tracker)
"""Answers still being worked out after WeChat's 4-second window; drained on shutdown."""
OPERATIONS = web.AppKey("operations", list["Operation"])
PUBLIC_URL: web.AppKey[PublicUrl] = web.AppKey("public_url")
"""Where platforms call us back: PALM_PUBLIC_URL, or where this process listens."""

REQUEST_ID = web.RequestKey("request_id", str)
PRINCIPAL = web.RequestKey("principal", Principal)
DEVICE = web.RequestKey("device", DevicePrincipal)
