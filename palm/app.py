"""The app factory: ``create_app(settings)``; every resource opened in its own cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import pkgutil
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

import handlers
from bot import dispatcher
from bot.tasks import Tracker
from integrations.aishandong.client import AiShandongClient
from integrations.credit.client import CreditClient
from integrations.health.client import HealthClient
from integrations.hotline.client import HotlineClient
from integrations.talent.client import TalentClient
from integrations.wechat.client import WeChatClient
from integrations.wechatpay.client import WeChatPayClient
from palm import api, keys, metrics, middlewares, simulators, storage
from palm.jobs import jobs_ctx
from palm.metrics import Metrics
from palm.public import PublicUrl
from palm.settings import Settings
from services import demo
from services.codes.snapshot import KeyCache
from services.deps import Deps
from services.identity.sessions import Sessions
from services.identity.wechat_token import AccessTokenHolder
from services.localcopy import Changes
from services.medical.access_writer import AccessWriter
from services.privacy import FieldCipher
from services.ratelimit import Limiter


def handler_apis() -> list[api.Api]:
    """Every ``api`` table in the handlers packages (one per domain, a module per audience)."""
    modules = sorted(
        info.name
        for info in pkgutil.walk_packages(handlers.__path__, prefix="handlers.")
        if not info.ispkg
    )
    tables = [getattr(importlib.import_module(name), "api", None) for name in modules]
    return [table for table in tables if isinstance(table, api.Api)]


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[middlewares.observe],
        client_max_size=settings.max_body_bytes,
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics(settings.metrics_dir)
    app[keys.PUBLIC_URL] = PublicUrl(settings)
    app.cleanup_ctx.extend(
        [
            storage.database_ctx,
            _metrics_ctx,
            _simulators_ctx,
            _http_ctx,
            _deps_ctx,
            jobs_ctx,
            _bot_ctx,
            _seed_ctx,
        ]
    )
    app.on_response_prepare.append(middlewares.security_headers)
    api.register(app, handler_apis())
    return app


async def _metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    """/metrics on a port of its own, when PALM_METRICS_PORT asks for one."""
    settings = app[keys.SETTINGS]
    if settings.metrics_port is None:
        yield
        return
    async with metrics.listener(
        app[keys.METRICS], settings.metrics_host, settings.metrics_port,
        reuse_port=settings.shared_ports,
    ) as url:  # fmt: skip
        app[keys.METRICS_URL] = url
        yield


async def _simulators_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the simulators of platforms whose URL was left at the embedded default."""
    async with simulators.running(app[keys.SETTINGS], app_url=app[keys.PUBLIC_URL]) as platforms:
        app[keys.PLATFORMS] = platforms
        yield


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    """One outbound HTTP session, shared by every platform client."""
    connector = aiohttp.TCPConnector(limit=200, limit_per_host=50, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, raise_for_status=False) as session:
        app[keys.HTTP] = session
        yield


async def _deps_ctx(app: web.Application) -> AsyncIterator[None]:
    """Redis, the field cipher and one client per platform: the one source of each (``DEPS``)."""
    settings, session, platforms = app[keys.SETTINGS], app[keys.HTTP], app[keys.PLATFORMS]
    metrics = app[keys.METRICS]
    redis = storage.open_redis(settings)
    cipher = FieldCipher(settings.secret_keys)
    wechat = WeChatClient(session, platforms["wechat"], metrics)
    changes = Changes(redis)
    sessions = Sessions(redis, settings.session_ttl_seconds, changes)
    limiter = Limiter(redis)
    app[keys.DEPS] = Deps(
        redis=redis,
        changes=changes,
        sessions=sessions,
        limiter=limiter,
        cipher=cipher,
        access_log=AccessWriter(cipher),
        wechat=wechat,
        wechat_tokens=AccessTokenHolder(redis, wechat),
        aishandong=AiShandongClient(session, platforms["aishandong"], metrics),
        talent=TalentClient(session, platforms["talent"], metrics),
        credit=CreditClient(session, platforms["credit"], metrics),
        health=HealthClient(session, platforms["health"], metrics),
        hotline=HotlineClient(session, platforms["hotline"], metrics),
        wechatpay=WeChatPayClient(
            session, platforms["wechatpay"], metrics, keys=settings.wechatpay_keys
        ),
        codes=KeyCache(cipher),
        settings=settings,
        base_url=app[keys.PUBLIC_URL],
    )
    listening = asyncio.get_running_loop().create_task(changes.listen(), name="palm-changes")
    try:
        yield
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        await limiter.close()
        await redis.aclose()


async def _bot_ctx(app: web.Application) -> AsyncIterator[None]:
    """The bot's router (built once) and its background answers (finished on shutdown)."""
    app[keys.BOT_ROUTER] = dispatcher.build()
    app[keys.BOT_TASKS] = tracker = Tracker()
    yield
    await tracker.drain(seconds=5.0)


async def _seed_ctx(app: web.Application) -> AsyncIterator[None]:
    """In development, make sure the demo personas exist (idempotent)."""
    settings = app[keys.SETTINGS]
    if settings.seed_demo:
        cipher = app[keys.DEPS].cipher
        await demo.seed(cipher, app[keys.PLATFORMS]["wechat"].app_id, settings.data_dir)
    yield
