"""Health, readiness, metrics, the OpenAPI contract and its docs page."""

from __future__ import annotations

import asyncio
import json
import logging
from importlib.metadata import version

import swagger_ui_bundle
from aiohttp import web

from palm import keys, openapi, problems
from palm.api import Api, ApiModel
from palm.metrics import render_response, token_matches
from palm.storage import database_ready
from services import errors as shared

api = Api("system")
log = logging.getLogger("palm.system")

_DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}


class Health(ApiModel):
    status: str


class Readiness(ApiModel):
    status: str
    database: str
    cache: str


@api.get("/healthz", auth="none", limited=False, response=Health)
async def healthz(request: web.Request) -> Health:
    """The process is up."""
    return Health(status="ok")


@api.get("/readyz", auth="none", limited=False, response=Readiness)
async def readyz(request: web.Request) -> Readiness:
    """The database and the cache both answer; 503 otherwise."""
    checks = {"database": database_ready(), "cache": request.app[keys.DEPS].redis.ping()}
    results = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check, timeout=2.0)
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; logged, never shown
            log.warning("readiness: %s failed: %s", name, type(exc).__name__)
            results[name] = "unavailable"
    if any(value != "ok" for value in results.values()):
        raise problems.not_ready(results)
    return Readiness(status="ok", **results)


@api.get("/metrics", auth="none", limited=False, content_type="text/plain", errors=(401, 404))
async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics, for a scraper holding PALM_METRICS_TOKEN (not found without one).

    Or scrape the listener of their own, PALM_METRICS_PORT, which the public cannot reach.
    """
    token = request.app[keys.SETTINGS].metrics_token
    if token is None:
        raise shared.not_found()
    if not token_matches(token, request.headers.get("Authorization", "")):
        raise problems.metrics_token_required()
    return await render_response(request.app[keys.METRICS])


@api.get("/openapi.json", auth="none", content_type="application/json")
async def openapi_json(request: web.Request) -> web.Response:
    """This contract, generated from the routes and their models."""
    spec = openapi.build(request.app[keys.OPERATIONS], version=version("weihai-palm"))
    return web.json_response(spec, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))


@api.get("/docs", auth="none", content_type="text/html")
async def docs(request: web.Request) -> web.Response:
    """Interactive documentation (Swagger UI served from a package, no CDN)."""
    return web.Response(text=_DOCS_HTML, content_type="text/html")


@api.get("/docs/{asset}", auth="none", content_type="application/octet-stream")
async def docs_asset(request: web.Request) -> web.StreamResponse:
    """Static files of the documentation page."""
    name = request.match_info["asset"]
    if name == "init.js":
        return web.Response(text=_DOCS_INIT, content_type="text/javascript")
    if name not in _DOCS_ASSETS:
        raise shared.not_found()
    path = swagger_ui_bundle.swagger_ui_path / name
    return web.FileResponse(path, headers={"Content-Type": _DOCS_ASSETS[name]})


_DOCS_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>威海掌上服务 API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script></body></html>
"""

_DOCS_INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "BaseLayout"});
};
"""
