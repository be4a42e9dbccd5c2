"""The authorisation matrix: every endpoint, called as every role (and as no one)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from palm import keys
from palm.api import Operation
from services import devices
from services.demo import device_key_path
from tests.helpers import bearer, login

ROLES = {  # caller → the roles a session of theirs holds
    "anonymous": set(),
    "resident": {"resident"},
    "librarian": {"resident", "merchant_staff"},
    "doctor": {"resident", "clinician"},
    "officer": {"resident", "operator", "operator:grants", "operator:talent",
                "operator:transit", "operator:credit", "operator:health"},
    "bus-101": set(),
}  # fmt: skip


def _allowed(op: Operation, caller: str) -> bool:
    if op.auth == "none":
        return True
    if op.auth == "signed":
        return False  # platform callbacks: nobody here holds the platform's key
    if op.auth == "device":
        return caller == "bus-101"
    held = ROLES[caller]
    return bool(held) and (not op.roles or bool(op.roles & held))


def _device_key(data_dir: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(
        device_key_path(data_dir, "bus-101").read_bytes(), None
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


@pytest.mark.parametrize("caller", sorted(ROLES))
async def test_every_endpoint_admits_exactly_its_roles(client: TestClient, caller: str) -> None:
    headers: dict[str, str] = {}
    if caller not in ("anonymous", "bus-101"):
        headers = bearer(await login(client, caller))
    device_key = _device_key(client.app[keys.SETTINGS].data_dir)
    for op in client.app[keys.OPERATIONS]:
        if op.operation_id in ("logout", "logout_all", "close_account"):
            continue  # they would end the caller's session for the rest of the loop
        path = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", op.path)
        body = b"{}" if op.method in ("POST", "PUT", "PATCH") else b""
        call_headers = {**headers, "Content-Type": "application/json"}
        if caller == "bus-101":
            call_headers.update(
                devices.sign_request(device_key, "bus-101", op.method, path, body,
                                     nonce=secrets.token_urlsafe(16))
            )  # fmt: skip
        resp = await client.request(op.method, path, data=body, headers=call_headers)
        text = await resp.text()
        assert resp.status < 500, f"{op.method} {op.path} as {caller}: {text}"
        denied = resp.status in (401, 403)
        assert denied != _allowed(op, caller), f"{op.method} {op.path} as {caller}: {text}"


async def test_logout_endpoints_need_a_session(client: TestClient) -> None:
    for path in ("/api/v1/auth/logout", "/api/v1/auth/logout-all"):
        assert (await client.post(path)).status == 401
    assert (await client.delete("/api/v1/me")).status == 401
