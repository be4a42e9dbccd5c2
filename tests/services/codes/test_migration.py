"""The migrated schema (what production runs) enforces the issuer-key invariants itself.

The suite's own database is built from the models, which leaves CHECK constraints out, so
this migrates a scratch SQLite file (and PostgreSQL when DATABASE_URL names one).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError, OperationalError

from models.codes import IssuerKey, IssuerKeyStatus, KeyAlgorithm, KeyringVersion
from palm import storage
from palm.settings import Settings

ROW: dict[str, Any] = {"algorithm": KeyAlgorithm.P256, "public_key": b"k", "private_key_enc": "x"}


async def _check_constraints(url: str) -> None:
    settings = Settings(database_url=url)
    await storage.migrate(settings)
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))
        try:
            await IssuerKey.create(kid=1, status=IssuerKeyStatus.ACTIVE, active_slot=1, **ROW)
        except OperationalError:
            pytest.skip("no migration creates the code tables yet (run `palm makemigrations`)")
        bad = [
            {"kid": 70000, "status": IssuerKeyStatus.RETIRING},  # kids are uint16 in codes
            {"kid": 0, "status": IssuerKeyStatus.RETIRING},
            {"kid": 2, "status": IssuerKeyStatus.RETIRING, "active_slot": 1},  # slot w/o active
            {"kid": 3, "status": IssuerKeyStatus.RETIRED},  # retired without a date
        ]
        for fields in bad:
            with pytest.raises(IntegrityError):
                await IssuerKey.create(**fields, **ROW)
        await IssuerKey.create(
            kid=4, status=IssuerKeyStatus.RETIRED, retired_at=datetime.now(UTC), **ROW
        )
        await KeyringVersion.create(id=1, version=1)
        with pytest.raises(IntegrityError):
            await KeyringVersion.create(id=2, version=1)  # a single row
        await ctx.close_connections()


async def test_migrated_sqlite_enforces_key_constraints(tmp_path: Path) -> None:
    """If this fails after `palm makemigrations`: Tortoise's CreateModel drops CHECK
    constraints, so the migration must add them as `ops.AddConstraint` operations."""
    await _check_constraints(f"sqlite://{tmp_path / 'migrated.sqlite3'}")


async def test_migrated_postgres_enforces_key_constraints() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL")
    base, _, name = url.rpartition("/")
    scratch = f"{name}_codes_{uuid.uuid4().hex[:8]}"
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(Settings(database_url=url)))
        admin = ctx.connections.get("default")
        await admin.execute_script(f'CREATE DATABASE "{scratch}"')
        try:
            await _check_constraints(f"{base}/{scratch}")
        finally:
            await admin.execute_script(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        await ctx.close_connections()
