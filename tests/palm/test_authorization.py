"""The authorisation matrix: every endpoint, called as every role (and as no one), and every
endpoint acting for family, called for every kind of member."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from integrations.simworld import PEOPLE
from models.identity.delegations import Delegation
from palm import keys
from palm.api import Operation
from services.demo import device_key_path
from services.identity import devices
from services.identity.delegations import SCOPES
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


# Acting for family: every operation whose query takes ``member`` honours scope and expiry.
ACTS_FOR_FAMILY = {  # resident operations a relative uses; each must take ``member``
    "credit_code", "credit_profile", "my_waivers", "get_waiver", "dispute_default",
    "pay_waiver", "talent_card", "report_card_lost", "my_redemptions",
}  # fmt: skip
PATH_VALUES = {"id": "00000000-0000-0000-0000-000000000000", "month": "2026-01"}
BODIES = {"dispute_default": {"reason": "不是我弄坏的"}}


async def _delegate(client: TestClient, actor: str, subject: str, scopes: list[str]) -> str:
    """``actor`` asks to act for ``subject`` (as a parent) within ``scopes``; the subject agrees."""
    person = PEOPLE[subject]
    resp = await client.post(
        "/api/v1/delegations",
        json={"relation": "parent", "name": person.name, "id_number": person.id_number,
              "scopes": scopes},
        headers=bearer(await login(client, actor)),
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    delegation = str((await resp.json())["id"])
    confirmed = await client.post(
        f"/api/v1/delegations/{delegation}/confirm", headers=bearer(await login(client, subject))
    )
    assert confirmed.status == 200, await confirmed.text()
    return delegation


async def _held_by(client: TestClient, persona: str, relation: str) -> str:
    resp = await client.get("/api/v1/delegations", headers=bearer(await login(client, persona)))
    held = (await resp.json())["acting_for"]
    return str(next(d["id"] for d in held if d["relation"] == relation))


async def test_acting_for_family_honours_scope_and_expiry(client: TestClient) -> None:
    ops = [op for op in client.app[keys.OPERATIONS]
           if op.query is not None and "member" in op.query.model_fields]  # fmt: skip
    assert {op.operation_id for op in ops} >= ACTS_FOR_FAMILY
    assert {op.tag for op in ops} <= SCOPES  # the tag names the scope a delegation needs
    # resident acts for the elder in credit and medical, for the talent in talent and transit
    first = await _delegate(client, "resident", "elder", ["credit", "medical"])
    second = await _delegate(client, "resident", "talent", ["talent", "transit"])
    right = {"credit": first, "medical": first, "talent": second, "transit": second}
    wrong = {"credit": second, "medical": second, "talent": first, "transit": first}
    expired = await _delegate(client, "resident", "debtor", sorted(SCOPES))
    await Delegation.filter(id=expired).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    revoked = await _delegate(client, "resident", "parent", sorted(SCOPES))
    ended = await client.post(f"/api/v1/delegations/{revoked}/end",
                              headers=bearer(await login(client, "parent")))  # fmt: skip
    assert (await ended.json())["status"] == "revoked"
    someone_elses = await _held_by(client, "parent", "parent")  # all scopes, active
    headers = {**bearer(await login(client, "resident")), "Content-Type": "application/json"}

    async def call(op: Operation, member: str) -> tuple[int, str, str]:
        path = re.sub(r"\{([^}]+)\}", lambda m: PATH_VALUES[m.group(1)], op.path)
        body = json.dumps(BODIES.get(op.operation_id, {})).encode() if op.body else b""
        resp = await client.request(op.method, path, params={"member": member}, data=body,
                                    headers=headers)  # fmt: skip
        text = await resp.text()
        code = ""
        if resp.content_type == "application/problem+json":
            code = json.loads(text)["code"]
        return resp.status, code, f"{op.method} {op.path} member={member}: {text[:300]}"

    for op in ops:
        for member in ("self", right[op.tag]):
            status, code, said = await call(op, member)
            assert status < 500, said
            assert status not in (401, 403), said
            assert code != "member_not_found", said
            assert status != 422, said
        for member in (wrong[op.tag], expired, revoked, someone_elses, "not-a-delegation"):
            status, code, said = await call(op, member)
            assert (status, code) == (404, "member_not_found"), said
