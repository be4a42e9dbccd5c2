"""The app factory: ``create_app(settings)``; every resource opened in its own cleanup_ctx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from handlers import admin, auth, delegations, devices, me, system
from integrations.aishandong.client import AiShandongClient
from integrations.wechat.client import WeChatClient
from palm import api, keys, middlewares, simulators, storage
from palm.metrics import Metrics
from palm.settings import Settings
from services import demo
from services.privacy import FieldCipher
from services.wechat_token import AccessTokenHolder

HANDLER_MODULES = (system, auth, me, delegations, devices, admin)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[middlewares.observe, middlewares.problem_details],
        client_max_size=settings.max_body_bytes,
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()
    app[keys.CIPHER] = FieldCipher(settings.secret_keys)
    app.cleanup_ctx.extend(
        [
            storage.redis_ctx,
            storage.database_ctx,
            _simulators_ctx,
            _http_ctx,
            _clients_ctx,
            _seed_ctx,
        ]
    )
    app.on_response_prepare.append(middlewares.security_headers)
    api.register(app, (module.api for module in HANDLER_MODULES))
    return app


async def _simulators_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the simulators of platforms whose URL was left at the embedded default."""
    async with simulators.running(app[keys.SETTINGS]) as platforms:
        app[keys.PLATFORMS] = platforms
        yield


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    """One outbound HTTP session, shared by every platform client."""
    connector = aiohttp.TCPConnector(limit=200, limit_per_host=50, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, raise_for_status=False) as session:
        app[keys.HTTP] = session
        yield


async def _clients_ctx(app: web.Application) -> AsyncIterator[None]:
    session, platforms, metrics = app[keys.HTTP], app[keys.PLATFORMS], app[keys.METRICS]
    app[keys.WECHAT] = WeChatClient(session, platforms["wechat"], metrics)
    app[keys.AISHANDONG] = AiShandongClient(session, platforms["aishandong"], metrics)
    app[keys.WECHAT_TOKENS] = AccessTokenHolder(app[keys.REDIS], app[keys.WECHAT])
    yield


async def _seed_ctx(app: web.Application) -> AsyncIterator[None]:
    """In development, make sure the demo personas exist (idempotent)."""
    settings = app[keys.SETTINGS]
    if settings.seed_demo:
        await demo.seed(app[keys.CIPHER], app[keys.PLATFORMS]["wechat"].app_id, settings.data_dir)
    yield
