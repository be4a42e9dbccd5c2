"""The tables the migrations build are the tables the models declare, on SQLite and PostgreSQL.

Two databases are built side by side: one by applying every migration (what production and
`make run` get), one by Tortoise's generate_schemas from the models. Their catalogues are read
back and compared table by table: columns, primary, unique and foreign keys, indexes and CHECK
constraints. Tortoise's generate_schemas does not emit the models' CHECK constraints, so on
that side they are added from the models' declarations (ALTER TABLE on PostgreSQL; compared
as declared on SQLite). A drift such as a unique key lost in a SQLite table rebuild fails here.
"""

from __future__ import annotations

from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.migrations.constraints import CheckConstraint

from palm import storage
from palm.settings import Settings
from tests.helpers import scratch_postgres
from tests.models.schema import TableShape, normalise_check, read_schema


async def _migrated(url: str) -> dict[str, TableShape]:
    settings = Settings(database_url=url)
    await storage.migrate(settings)
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))
        shapes = await read_schema(ctx.connections.get("default"))
        await ctx.close_connections()
    return shapes


async def _generated(url: str) -> dict[str, TableShape]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(Settings(database_url=url)))
        await ctx.generate_schemas(safe=False)
        conn = ctx.connections.get("default")
        assert ctx.apps is not None
        declared = {
            model._meta.db_table: [
                c for c in model._meta.constraints or () if isinstance(c, CheckConstraint)
            ]
            for model in ctx.apps.get_models_iterable()
        }
        postgres = conn.capabilities.dialect == "postgres"
        if postgres:
            for table, checks in declared.items():
                for check in checks:
                    await conn.execute_script(
                        f'ALTER TABLE "{table}" ADD CONSTRAINT "{check.name}" CHECK ({check.check})'
                    )
        shapes = await read_schema(conn)
        await ctx.close_connections()
    if not postgres:
        for table, checks in declared.items():
            assert not shapes[table].checks, "generate_schemas now emits CHECKs: drop this step"
            shapes[table].checks = {c.name: normalise_check(c.check) for c in checks}
    return shapes


def _compare(migrated: dict[str, TableShape], generated: dict[str, TableShape]) -> None:
    assert set(migrated) == set(generated), set(migrated) ^ set(generated)
    drift = {
        table: diff
        for table in sorted(migrated)
        if (diff := migrated[table].differences(generated[table]))
    }
    assert not drift, "migrated (first) and model-built (second) tables differ:\n" + "\n".join(
        f"{table}: {d}" for table, diffs in drift.items() for d in diffs
    )


async def test_sqlite_migrations_build_the_model_tables(tmp_path: Path) -> None:
    migrated = await _migrated(f"sqlite://{tmp_path / 'migrated.sqlite3'}")
    generated = await _generated(f"sqlite://{tmp_path / 'generated.sqlite3'}")
    assert "talent_quota_usage" in migrated
    _compare(migrated, generated)


async def test_postgres_migrations_build_the_model_tables() -> None:
    async with scratch_postgres("parity_m") as migrated_url:
        migrated = await _migrated(migrated_url)
    async with scratch_postgres("parity_g") as generated_url:
        generated = await _generated(generated_url)
    _compare(migrated, generated)


def test_the_comparison_sees_a_lost_unique_key() -> None:
    """The comparator itself: a missing unique key or a changed check is a difference."""
    a = TableShape(unique={("holder_key", "benefit_id", "period_key")}, checks={"c": "used >= 0"})
    assert a.differences(TableShape(checks={"c": "used >= 0"}))
    assert a.differences(TableShape(unique=set(a.unique), checks={"c": "used > 0"}))
    same = TableShape(unique=set(a.unique), checks={"c": normalise_check("(USED >=  0)")})
    assert not a.differences(same)


async def test_repair_merges_quota_rows_duplicated_before_it(tmp_path: Path) -> None:
    """A demo database migrated before 0005 holds duplicated quota rows; 0005 keeps the count."""
    from tortoise.migrations.api import migrate

    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    config = storage.tortoise_config(Settings(database_url=url))
    async with TortoiseContext():
        await migrate(config=config, target="palm.0004_services")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        conn = ctx.connections.get("default")
        await conn.execute_script(
            "INSERT INTO organisations (id, code, name_zh, name_en, kind, created_at)"
            " VALUES (7, 'gate', '门', 'Gate', 'merchant', '2026-01-01');"
            " INSERT INTO talent_benefits (id, code, name_zh, name_en, merchant_id, tiers, quota,"
            " period, family_eligible, active_from, created_at, updated_at)"
            " VALUES (1, 'b', 'b', 'b', 7, 'gold', 4, 'year', 0, '2026-01-01', '2026-01-01',"
            " '2026-01-01');"
            " INSERT INTO talent_quota_usage (holder_key, benefit_id, period_key, used) VALUES"
            " ('h', 1, '2026', 2), ('h', 1, '2026', 2), ('h', 1, '2026', 1), ('k', 1, '2026', 1)"
        )
        await ctx.close_connections()
    async with TortoiseContext():
        await migrate(config=config)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        rows = await ctx.connections.get("default").execute_query_dict(
            "SELECT holder_key, used FROM talent_quota_usage ORDER BY holder_key"
        )
        await ctx.close_connections()
    assert [(r["holder_key"], r["used"]) for r in rows] == [("h", 2), ("k", 1)]
