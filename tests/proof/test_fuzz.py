"""Fuzzing the contract: schemathesis generates requests for every operation in /openapi.json
and sends them to ``palm serve`` on loopback, with a persona's session where one is needed.
Every answer must be a non-5xx response whose status, content type and body the contract
documents.

The server runs in a child process on a database of its own (a scratch PostgreSQL database
when the suite runs on PostgreSQL, SQLite otherwise) and the suite's Redis when there is one.
Examples are bounded per operation, so the run takes well under a minute.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from palm.api import Operation
from palm.app import handler_apis
from tests.proof import procs

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Who calls an operation that needs a session: the first role it admits that a persona holds.
PERSONA_FOR_ROLE = {
    "merchant_staff": "librarian",
    "clinician": "doctor",
    "operator": "officer",
}
# Operations that end the caller's sessions or account run as a persona nothing else uses.
SACRIFICED = {"logout", "logout_all", "close_account"}
SACRIFICE = "foreigner"
OPERATIONS = sorted(
    (op for api in handler_apis() for op in api.operations), key=lambda op: (op.path, op.method)
)


def _login(url: str, persona: str) -> str:
    body = json.dumps({"code": f"demo-{persona}"}).encode()
    request = urllib.request.Request(  # noqa: S310 (our own loopback server)
        url + "/api/v1/auth/login", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
        return str(json.load(resp)["token"])


def _database(tmp: Path) -> Iterator[str]:
    """A fresh database of the suite's kind, with the schema built from the models."""
    suite = os.environ.get("DATABASE_URL", "")
    if not suite.startswith(("postgres://", "postgresql://")):
        url = f"sqlite://{tmp / 'fuzz.sqlite3'}"
        procs.create_schema(url)
        yield url
        return
    import asyncio

    server, name = suite.rsplit("/", 1)[0], f"palm_test_proof_fuzz_{os.getpid()}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(server + "/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        procs.create_schema(f"{server}/{name}")
        yield f"{server}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[tuple[str, dict[str, str]]]:
    """The server's URL and each persona's bearer token."""
    with tempfile.TemporaryDirectory(prefix="palm-fuzz-") as tmp:
        for database_url in _database(Path(tmp)):
            env = procs.palm_env(
                DATABASE_URL=database_url,
                PALM_AUTO_MIGRATE="0",
                PALM_SEED_DEMO="1",
                PALM_DATA_DIR=tmp,
                **{f"PALM_RATE_{name}": "100000000/60"
                   for name in ("IP", "RESIDENT", "DEVICE", "LOGIN", "REAL_NAME")},
            )  # fmt: skip
            if os.environ.get("REDIS_URL"):
                env["REDIS_URL"] = os.environ["REDIS_URL"]
            server = procs.PalmServer(env, Path(tmp) / "serve.log")
            try:
                server.wait_ready()
                personas = ["resident", *PERSONA_FOR_ROLE.values()]
                tokens = {persona: _login(server.url, persona) for persona in personas}
                yield server.url, tokens
            finally:
                server.stop()


@pytest.fixture(scope="module")
def contract(fuzz_server: tuple[str, dict[str, str]]) -> Any:
    url, _ = fuzz_server
    return schemathesis.openapi.from_url(url + "/openapi.json")


def _persona(op: Operation) -> str | None:
    """The persona to call ``op`` as; None for operations without a session."""
    if op.auth != "session":
        return None
    if op.operation_id in SACRIFICED:
        return SACRIFICE
    for role, persona in PERSONA_FOR_ROLE.items():
        if any(r == role or r.startswith(role + ":") for r in op.roles):
            return persona
    return "resident"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_operation_answers_within_its_contract(
    op: Operation, fuzz_server: tuple[str, dict[str, str]], contract: Any
) -> None:
    url, tokens = fuzz_server
    path = re.sub(r"\{([^}:]+)(?::[^}]+)?\}", r"{\1}", op.path)
    operation = contract[path][op.method]
    persona = _persona(op)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure
    )
    def call(case: Any) -> None:
        headers = {}
        if persona == SACRIFICE:
            headers["Authorization"] = f"Bearer {_login(url, SACRIFICE)}"
        elif persona is not None:
            headers["Authorization"] = f"Bearer {tokens[persona]}"
        case.call_and_validate(base_url=url, headers=headers, checks=CHECKS, timeout=10)

    call()
