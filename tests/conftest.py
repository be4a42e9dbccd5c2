"""Fixtures: the app built from test settings, on PostgreSQL and Redis when their URLs are set.

DATABASE_URL must name a scratch database (its name must contain "test"): the suite drops
and recreates its tables. REDIS_URL's database is flushed before each test.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from tortoise.connection import get_connection

from integrations.simworld import PEOPLE
from palm import keys, storage
from palm.app import create_app
from palm.logs import JsonFormatter, MaskingFilter
from palm.settings import Settings

pytest_plugins = ["tests.helpers"]


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite://{tmp / 'palm-test.sqlite3'}"
    if "test" not in url.rsplit("/", 1)[-1]:
        raise pytest.UsageError("DATABASE_URL must name a scratch database with 'test' in it")
    return url


@pytest.fixture(scope="session")
def base_settings() -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="palm-test-") as tmp:
        settings = Settings(
            env="development",
            database_url=_database_url(Path(tmp)),
            redis_url=os.environ.get("REDIS_URL") or None,
            auto_migrate=False,
            seed_demo=True,
            data_dir=Path(tmp),
            log_json=True,
        )
        asyncio.run(_reset_database(settings))
        yield settings


async def _reset_database(settings: Settings) -> None:
    """Start from an empty schema built by the migrations, as production and `make run` are.

    tests/models/test_schema_parity.py proves these are the tables the models declare.
    """
    from tortoise.context import TortoiseContext

    if settings.database_url.startswith(("postgres://", "postgresql://")):
        async with TortoiseContext() as ctx:
            await ctx.init(config=storage.tortoise_config(settings))
            conn = ctx.connections.get("default")
            await conn.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            await ctx.close_connections()
    await storage.migrate(settings)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def logs_hold_no_personal_numbers() -> Iterator[None]:
    """Every log line of the whole suite, rendered as in production, is checked at the end."""
    collect = _Collect()
    collect.addFilter(MaskingFilter())
    collect.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(collect)
    previous = root.level
    root.setLevel(logging.INFO)
    yield
    root.removeHandler(collect)
    root.setLevel(previous)
    secrets = [p.id_number for p in PEOPLE.values()] + [p.phone for p in PEOPLE.values() if p.phone]
    leaks = [line for line in collect.lines if any(s in line for s in secrets)]
    assert not leaks, f"personal numbers in logs: {leaks[:3]}"


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


@pytest.fixture
async def client(aiohttp_client, settings: Settings) -> AsyncIterator[TestClient]:  # type: ignore[no-untyped-def]
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
        await redis.flushdb()
        await redis.aclose()
    app = create_app(settings)
    test_client = await aiohttp_client(app)
    try:
        yield test_client
    finally:
        await _truncate_all()


async def _truncate_all() -> None:
    conn = get_connection("default")
    from tortoise import Tortoise

    tables = [model._meta.db_table for model in Tortoise.apps.get_models_iterable()]
    if conn.capabilities.dialect == "postgres":
        # A job the in-process worker is finishing may hold a lock the TRUNCATE needs in the
        # other order; PostgreSQL then breaks the deadlock by failing one side: try again.
        for attempt in range(5):
            try:
                await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                break
            except Exception as exc:  # asyncpg's DeadlockDetectedError arrives unwrapped
                if "deadlock" not in str(exc) or attempt == 4:
                    raise
                await asyncio.sleep(0.1)
    else:
        # Any order: foreign keys are checked again once every table is empty.
        deletes = "".join(f'DELETE FROM "{table}";' for table in tables)  # noqa: S608 (model names)
        await conn.execute_script(f"PRAGMA foreign_keys = OFF;{deletes}PRAGMA foreign_keys = ON;")


@pytest.fixture
def app_keys():  # type: ignore[no-untyped-def]
    return keys
