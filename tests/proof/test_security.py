"""The security pass: protective headers on every answer, no clear personal numbers in any
response, nothing a merchant should not see, and no secret in the logs.

The walks reuse the authorisation matrix's callers (tests/palm/test_authorization.py): every
operation is called as each of them, with a body of ``{}`` and ids that exist nowhere, plus
each persona's own data through every list and profile endpoint that needs no input.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from integrations.simworld import PEOPLE
from palm import keys
from palm.api import Operation
from palm.logs import JsonFormatter, MaskingFilter
from services.demo import LOGIN_PERSONAS
from services.identity import devices
from services.privacy import mask_name
from tests.helpers import bearer, login
from tests.palm.test_authorization import _device_key

SECRET_NUMBERS = [p.id_number for p in PEOPLE.values()] + [
    p.phone for p in PEOPLE.values() if p.phone
]
MERCHANT_STAFF = ("librarian", "gatekeeper", "cashier")
ENDS_SESSION = ("logout", "logout_all", "close_account")
_ZERO = "00000000-0000-0000-0000-000000000000"


async def walk(client: TestClient, caller: str) -> AsyncIterator[tuple[Operation, ClientResponse]]:
    """Call every operation as ``caller`` (a persona, "anonymous" or "bus-101")."""
    headers: dict[str, str] = {}
    if caller not in ("anonymous", "bus-101"):
        headers = bearer(await login(client, caller))
    device_key = _device_key(client.app[keys.SETTINGS].data_dir)
    for op in client.app[keys.OPERATIONS]:
        if op.operation_id in ENDS_SESSION:
            continue
        path = re.sub(r"\{[^}]+\}", _ZERO, op.path)
        body = b"{}" if op.method in ("POST", "PUT", "PATCH") else b""
        call_headers = {**headers, "Content-Type": "application/json"}
        if caller == "bus-101":
            call_headers.update(
                devices.sign_request(device_key, "bus-101", op.method, path, body,
                                     nonce=secrets.token_urlsafe(16))
            )  # fmt: skip
        resp = await client.request(op.method, path, data=body, headers=call_headers)
        await resp.read()
        yield op, resp


PROTECTIVE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_protected(resp: ClientResponse, what: str) -> None:
    for name, value in PROTECTIVE.items():
        assert resp.headers.get(name) == value, f"{what}: {name}"
    assert resp.headers.get("Strict-Transport-Security", "").startswith("max-age="), what
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "default-src" in csp, f"{what}: Content-Security-Policy"
    if resp.url.path.startswith("/api/"):
        assert resp.headers.get("Cache-Control") == "no-store", f"{what}: Cache-Control"


@pytest.mark.parametrize("caller", ["anonymous", "resident", "bus-101"])
async def test_every_operation_answers_with_protective_headers(
    client: TestClient, caller: str
) -> None:
    async for op, resp in walk(client, caller):
        assert_protected(resp, f"{op.method} {op.path} as {caller} ({resp.status})")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/docs"), ("GET", "/docs/swagger-ui.css"), ("GET", "/openapi.json"),
     ("GET", "/no/such/route"), ("DELETE", "/healthz"), ("POST", "/api/v1/auth/login")],
)  # fmt: skip
async def test_pages_and_errors_carry_protective_headers(
    client: TestClient, method: str, path: str
) -> None:
    resp = await client.request(
        method, path, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_protected(resp, f"{method} {path} ({resp.status})")


def _keys_named(value: Any, *parts: str) -> list[str]:
    """Every key anywhere in a JSON value whose name contains one of ``parts``."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if any(part in key.lower() for part in parts):
                found.append(key)
            found += _keys_named(item, *parts)
    elif isinstance(value, list):
        for item in value:
            found += _keys_named(item, *parts)
    return found


@pytest.mark.parametrize("caller", [*LOGIN_PERSONAS, "anonymous", "bus-101"])
async def test_no_response_holds_a_clear_id_number_or_phone(
    client: TestClient, caller: str
) -> None:
    person = PEOPLE.get(caller)
    # Callers who are nobody (anonymous, the bus) have no data of their own to look for.
    own = mask_name(person.name).encode() if person is not None else None
    seen_own_data = own is None
    async for op, resp in walk(client, caller):
        raw = await resp.read()
        seen_own_data = seen_own_data or (own is not None and own in raw)
        leaked = [number for number in SECRET_NUMBERS if number.encode() in raw]
        assert not leaked, f"{op.method} {op.path} as {caller} shows {len(leaked)} clear number(s)"
        if caller in MERCHANT_STAFF and op.tag == "merchant" and resp.content_type.endswith("json"):
            shown = _keys_named(json.loads(raw), "rating", "score")
            assert not shown, f"{op.method} {op.path} shows {caller} {shown}"
    assert seen_own_data, (
        f"no response showed {caller}'s own (masked) data: the walk proves nothing"
    )


class _Collect(logging.Handler):
    """Log lines as production renders them: masked, then formatted as JSON."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(MaskingFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every line logged during the test, at every level."""
    collect = _Collect()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    yield collect.lines
    root.removeHandler(collect)
    root.setLevel(previous)


async def test_logs_hold_no_token_or_secret(client: TestClient, log_lines: list[str]) -> None:
    token = await login(client, "resident")
    await client.get("/api/v1/me", headers=bearer(token))
    await client.get("/api/v1/me", headers=bearer(token[:-4] + "AAAA"))  # a forged one
    await client.post("/api/v1/auth/login", json={"code": "demo-risky"})
    await client.post("/api/v1/auth/logout", headers=bearer(token))
    settings = client.app[keys.SETTINGS]
    import base64

    secret_values = [token, token.split(".", 1)[-1], settings.wechat_token, settings.wechat_aes_key]
    secret_values += [p.secret for p in settings.platforms]
    secret_values += [base64.b64encode(key).decode() for _, key in settings.secret_keys]
    assert log_lines, "nothing was logged: the check would prove nothing"
    leaks = [s for s in secret_values if any(s in line for line in log_lines)]
    assert not leaks, f"{len(leaks)} secret value(s) found in the logs"
