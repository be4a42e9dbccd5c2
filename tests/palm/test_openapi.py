"""The contract is valid OpenAPI 3.1 and names every route the app serves."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from palm.openapi import TAGS


async def test_openapi_is_valid_31(client: TestClient) -> None:
    resp = await client.get("/openapi.json")
    assert resp.status == 200
    spec = await resp.json()
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)
    assert [t["name"] for t in spec["tags"]] == [name for name, _ in TAGS]


async def test_every_served_route_is_documented(client: TestClient) -> None:
    spec = await (await client.get("/openapi.json")).json()
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    served = set()
    for route in client.app.router.routes():
        if route.method == "HEAD":
            continue  # aiohttp adds HEAD beside each GET
        canonical = route.resource.canonical if route.resource else ""
        served.add((re.sub(r"\{([^}:]+)(:[^}]+)?\}", r"{\1}", canonical), route.method))
    assert served == documented


async def test_operations_declare_problems_and_security(client: TestClient) -> None:
    spec = await (await client.get("/openapi.json")).json()
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []
    assert login["tags"] == ["auth"]
    assert "requestBody" in login
    for status in ("400", "413", "415", "422", "500", "503"):
        content = login["responses"][status]["content"]
        assert content["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"session": []}]
    assert "401" in me["responses"]


async def test_docs_page_is_served_locally(client: TestClient) -> None:
    resp = await client.get("/docs")
    assert resp.status == 200
    html = await resp.text()
    assert "/docs/swagger-ui-bundle.js" in html
    assert "http" not in html.replace("http-equiv", "")  # no CDN
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        assert (await client.get(f"/docs/{asset}")).status == 200
    assert (await client.get("/docs/../../etc/passwd")).status == 404
    assert (await client.get("/docs/secret.js")).status == 404
