"""The migrated schema (what production runs) enforces the issuer-key invariants itself.

The suite's own database is built from the models, which leaves CHECK constraints out, so
this migrates a scratch SQLite file (and PostgreSQL when DATABASE_URL names one).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError

from palm import storage
from palm.settings import Settings
from tests.helpers import scratch_postgres

# Raw SQL, not the ORM: model metadata is bound to one database at a time in a process, and
# this test opens a second one beside the suite's. Every value is a constant of this test.
_NOW = "'2026-01-01 00:00:00+00:00'"
_VERSION_ROW = (
    "INSERT INTO code_keyring_version (id, version, updated_at) VALUES ({id}, 1, "  # noqa: S608
    + _NOW
    + ")"
)


def _key_row(blob: str, kid: int, status: str, slot: str = "NULL", retired: str = "NULL") -> str:
    columns = "kid, algorithm, public_key, private_key_enc, status, active_slot, created_at"
    return (
        f"INSERT INTO code_issuer_keys ({columns}, retired_at) "  # noqa: S608
        f"VALUES ({kid}, 'p256', {blob}, 'x', '{status}', {slot}, {_NOW}, {retired})"
    )


async def _check_constraints(url: str) -> None:
    settings = Settings(database_url=url)
    await storage.migrate(settings)
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))
        conn = ctx.connections.get("default")
        blob = "'\\x6b'::bytea" if conn.capabilities.dialect == "postgres" else "X'6b'"
        await conn.execute_query(_key_row(blob, 1, "active", slot="1"))
        bad = [
            _key_row(blob, 70000, "retiring"),  # kids are uint16 in codes
            _key_row(blob, 0, "retiring"),
            _key_row(blob, 2, "retiring", slot="1"),  # a slot without being active
            _key_row(blob, 3, "retired"),  # retired without a date
        ]
        for statement in bad:
            with pytest.raises(IntegrityError):
                await conn.execute_query(statement)
        await conn.execute_query(_key_row(blob, 4, "retired", retired=_NOW))
        await conn.execute_query(_VERSION_ROW.format(id=1))
        with pytest.raises(IntegrityError):  # a single row
            await conn.execute_query(_VERSION_ROW.format(id=2))
        await ctx.close_connections()


async def test_migrated_sqlite_enforces_key_constraints(tmp_path: Path) -> None:
    """If this fails after `palm makemigrations`: Tortoise's CreateModel drops CHECK
    constraints, so the migration must add them as `ops.AddConstraint` operations."""
    await _check_constraints(f"sqlite://{tmp_path / 'migrated.sqlite3'}")


async def test_migrated_postgres_enforces_key_constraints() -> None:
    async with scratch_postgres("codes") as url:
        await _check_constraints(url)
