"""Typed keys for everything the app holds (AppKey) and for per-request values (RequestKey)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot.router import Router
from bot.tasks import Tracker
from integrations.aishandong.client import AiShandongClient
from integrations.base import Platform
from integrations.wechat.client import WeChatClient
from palm.metrics import Metrics
from palm.settings import Settings
from services.deps import Deps
from services.identity.auth import Principal
from services.identity.devices import DevicePrincipal
from services.identity.wechat_token import AccessTokenHolder
from services.privacy import FieldCipher

if TYPE_CHECKING:
    from palm.api import Operation
    from palm.jobs import JobQueue
    from palm.public import PublicUrl

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
METRICS_URL = web.AppKey("metrics_url", str)
"""Where the metrics listener answers (only when PALM_METRICS_PORT is set)."""
CIPHER = web.AppKey("cipher", FieldCipher)
REDIS = web.AppKey("redis", Redis)
HTTP = web.AppKey("http", aiohttp.ClientSession)
PLATFORMS = web.AppKey("platforms", dict[str, Platform])
"""Each platform as the app reaches it: embedded simulators resolved to their loopback URL."""
WECHAT = web.AppKey("wechat", WeChatClient)
AISHANDONG = web.AppKey("aishandong", AiShandongClient)
WECHAT_TOKENS = web.AppKey("wechat_tokens", AccessTokenHolder)
DEPS = web.AppKey("deps", Deps)
"""Every client and shared resource, as services and job handlers receive them."""
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
