"""PostgreSQL or SQLite through Tortoise, Redis or an in-process fake, and migrations."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations

from models import MODEL_MODULES
from palm import keys, redis_url
from palm.settings import Settings

log = logging.getLogger("palm.storage")


def database_url(settings: Settings) -> str:
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://") and "maxsize=" not in url.partition("?")[2]:
        # Tortoise's own default is 5 connections, for every request in flight in the process
        # (a transaction waiting on a row lock holds one).
        url += ("&" if "?" in url else "?") + f"maxsize={settings.db_pool}"
    if url.startswith("sqlite://"):
        _sqlite_datetimes_in_utc()
        if not url.startswith("sqlite://:memory:"):
            Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    return url


def _sqlite_datetimes_in_utc() -> None:
    """SQLite keeps datetimes as text and compares them as text; Tortoise writes each with its
    own offset, so a China-time day bound (``…00:00+08:00``) missed rows stored in UTC between
    00:00 and 08:00 China time. Every aware datetime is written in UTC instead. PostgreSQL
    compares instants and needs nothing."""
    import sqlite3

    import tortoise.backends.sqlite.executor  # noqa: F401 (registers its adapter: ours replaces it)

    sqlite3.register_adapter(
        datetime, lambda value: (value.astimezone(UTC) if value.tzinfo else value).isoformat(" ")
    )


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": database_url(settings)},
        "apps": {
            "palm": {
                "models": MODEL_MODULES,
                "migrations": "models.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(settings: Settings) -> None:
    """Apply every pending migration (``palm migrate``; also on start-up in development)."""
    ctx = TortoiseContext()
    with ctx:
        try:
            await run_migrations(config=tortoise_config(settings))
        finally:
            await ctx.close_connections()


@asynccontextmanager
async def for_command(settings: Settings) -> AsyncIterator[None]:
    """The database for a one-off ``palm`` command, migrated first where start-up would be.

    So ``palm audit verify`` or ``palm keys list`` work on a fresh clone's empty SQLite file.
    """
    if settings.auto_migrate:
        await migrate(settings)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(settings))
        yield


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database for the app's lifetime, visible to every request task."""
    settings = app[keys.SETTINGS]
    if settings.auto_migrate:
        await migrate(settings)
    ctx = TortoiseContext()
    # Requests run in tasks that do not inherit this task's context, hence the global fallback.
    with ctx:
        await ctx.init(config=tortoise_config(settings), _enable_global_fallback=True)
    try:
        yield
    finally:
        await ctx.close_connections()


def open_redis(settings: Settings) -> Redis:
    if settings.redis_url:
        return redis_url.open_client(
            settings.redis_url,
            decode_responses=False,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            health_check_interval=30,
        )
    log.info("REDIS_URL is not set: using an in-process cache (single process only)")
    import fakeredis  # the embedded extra: absent from a production install

    return fakeredis.FakeAsyncRedis()


async def database_ready() -> None:
    """Raise if the database does not answer a trivial query."""
    from tortoise.connection import get_connection

    await get_connection("default").execute_query("SELECT 1")
