"""The migrations describe the models exactly, and apply cleanly to an empty database."""

from __future__ import annotations

from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from palm import storage
from palm.settings import Settings
from tests.helpers import scratch_postgres


async def test_no_model_change_lacks_a_migration() -> None:
    config = storage.tortoise_config(Settings(database_url="sqlite://:memory:"))
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
        await ctx.close_connections()
    pending = [op.describe() for w in writers for op in w.operations]
    assert not pending, f"run `palm makemigrations`: {pending}"


async def _tables_after_migrating(url: str) -> set[str]:
    settings = Settings(database_url=url)
    await storage.migrate(settings)
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))
        conn = ctx.connections.get("default")
        if conn.capabilities.dialect == "postgres":
            rows = await conn.execute_query_dict(
                "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
            )
        else:
            rows = await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        assert ctx.apps is not None
        expected = {m._meta.db_table for m in ctx.apps.get_models_iterable()}
        await ctx.close_connections()
    found = {row["name"] for row in rows}
    assert expected <= found, f"missing after migrating: {expected - found}"
    return found


async def test_migrations_apply_to_empty_sqlite(tmp_path: Path) -> None:
    await _tables_after_migrating(f"sqlite://{tmp_path / 'migrated.sqlite3'}")


async def test_migrations_apply_to_empty_postgres() -> None:
    async with scratch_postgres("mig") as url:
        await _tables_after_migrating(url)


def test_no_model_docstring_breaks_sqlite_migrations() -> None:
    """Docstrings become table comments; Tortoise splits SQLite scripts on semicolons."""
    import models

    for name in models.MODEL_MODULES:
        module = __import__(name, fromlist=["_"])
        for value in vars(module).values():
            doc = getattr(value, "__doc__", None) or ""
            if getattr(value, "_meta", None) is not None and value.__module__ == name:
                assert ";" not in doc, f"{name}.{value.__name__}: no ';' in a model docstring"
