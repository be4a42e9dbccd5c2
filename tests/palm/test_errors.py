"""Every malformed request gets a 4xx problem document and changes nothing."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from models.identity.residents import Resident
from palm import keys
from tests.helpers import bearer, login, problem

LOGIN = "/api/v1/auth/login"


async def test_malformed_json(client: TestClient) -> None:
    resp = await client.post(LOGIN, data=b'{"code": ', headers={"Content-Type": "application/json"})
    await problem(resp, 400, "malformed_json")


async def test_empty_body(client: TestClient) -> None:
    resp = await client.post(LOGIN, data=b"", headers={"Content-Type": "application/json"})
    await problem(resp, 400, "body_required")


async def test_wrong_content_type(client: TestClient) -> None:
    resp = await client.post(LOGIN, data="code=demo-resident")
    await problem(resp, 415, "unsupported_media_type")


async def test_unknown_field(client: TestClient) -> None:
    resp = await client.post(LOGIN, json={"code": "demo-resident", "admin": True})
    body = await problem(resp, 422, "validation_failed")
    assert body["errors"] == [
        {"path": "body/admin", "message": "unknown field", "type": "extra_forbidden"}
    ]


async def test_wrong_type_and_missing_field(client: TestClient) -> None:
    resp = await client.post(LOGIN, json={"code": 12345})
    body = await problem(resp, 422, "validation_failed")
    assert [e["path"] for e in body["errors"]] == ["body/code"]
    resp = await client.post(LOGIN, json={})
    body = await problem(resp, 422, "validation_failed")
    expected = {"path": "body/code", "message": "field required", "type": "missing"}
    assert body["errors"][0] == expected


async def test_top_level_not_an_object(client: TestClient) -> None:
    resp = await client.post(LOGIN, json=["demo-resident"])
    await problem(resp, 422, "validation_failed")


async def test_oversize_body(client: TestClient) -> None:
    limit = client.app[keys.SETTINGS].max_body_bytes
    resp = await client.post(LOGIN, json={"code": "x" * (limit + 10)})
    body = await problem(resp, 413, "payload_too_large")
    assert str(limit) in body["message_en"]


async def test_unknown_route(client: TestClient) -> None:
    await problem(await client.get("/api/v1/nowhere"), 404, "not_found")
    await problem(await client.post("/nowhere", json={}), 404, "not_found")


async def test_wrong_method(client: TestClient) -> None:
    resp = await client.get(LOGIN)
    await problem(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]


async def test_bad_input_writes_nothing(client: TestClient) -> None:
    before = await Resident.all().count()
    await client.post(LOGIN, json={"code": "demo-nobody-known", "extra": 1})
    await client.post(LOGIN, data=b"{", headers={"Content-Type": "application/json"})
    assert await Resident.all().count() == before


async def test_unauthenticated(client: TestClient) -> None:
    await problem(await client.get("/api/v1/me"), 401, "auth_required")
    resp = await client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-session"})
    await problem(resp, 401, "session_invalid")
    resp = await client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    await problem(resp, 401, "auth_required")


async def test_request_id_echoed_and_in_problem(client: TestClient) -> None:
    resp = await client.get("/nowhere", headers={"X-Request-ID": "trace-12345678"})
    body = await problem(resp, 404, "not_found")
    assert resp.headers["X-Request-ID"] == "trace-12345678"
    assert body["request_id"] == "trace-12345678"


async def test_a_nul_character_anywhere_is_a_clear_422(client: TestClient) -> None:
    """PostgreSQL text cannot hold NUL: refused at the edge, in the query and the body alike."""
    me = bearer(await login(client, "resident"))
    resp = await client.get("/api/v1/hotline/tickets", params={"cursor": "a\x00b"}, headers=me)
    body = await problem(resp, 422, "validation_failed")
    assert body["errors"][0]["path"] == "query/cursor"
    json_headers = {"Content-Type": "application/json"}
    resp = await client.post("/api/v1/auth/login", data=b'{"code": "a\\u0000"}',
                             headers=json_headers)  # fmt: skip
    body = await problem(resp, 422, "validation_failed")
    assert body["errors"][0]["path"] == "body"
    # An escaped backslash before "u0000" is text, not a NUL: the login goes on (and fails).
    resp = await client.post("/api/v1/auth/login", data=b'{"code": "a\\\\u0000"}',
                             headers=json_headers)  # fmt: skip
    assert resp.status != 422, await resp.text()
