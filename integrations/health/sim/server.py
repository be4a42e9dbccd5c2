"""A simulator of the provincial health information platform: FHIR R4 JSON, signed requests.

Requests must carry valid signing headers (refusals are OperationOutcome ``security`` with
HTTP 401); searches are paged with ``Bundle.link`` next. Control endpoints for tests:
``POST /_sim/outage`` ``{"status": 503, "delay": 0, "calls": null}`` makes the next ``calls``
requests (all, when null) wait ``delay`` seconds and fail with ``status`` (none: answer
normally, only late); ``DELETE /_sim/outage`` ends it. Both set the shared ``/_sim/faults``;
a failing call answers a ``transient`` OperationOutcome with ``Retry-After``.
"""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDict

from integrations.base import Platform
from integrations.health.fhir import BASE_PATH, FHIR_JSON, IDENTIFIER_SYSTEMS
from integrations.health.sim import search as simsearch
from integrations.health.sim.seed import Resource, Store, seeded_store
from integrations.simulator import (
    Fault,
    control_body,
    is_control,
    set_fault,
    signed_requests,
    simulator_app,
)
from integrations.simworld import PEOPLE

STORE = web.AppKey("health_store", Store)


def outcome(status: int, code: str, text: str) -> web.Response:
    """An OperationOutcome error, the FHIR way."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "details": {"text": text}}],
    }
    return _fhir(body, status)


def _fhir(body: Resource, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        content_type=FHIR_JSON,
        charset="utf-8",
        body=json.dumps(body, ensure_ascii=False).encode(),
    )


def create_simulator(platform: Platform) -> web.Application:
    """The platform as seen by our app id, holding the simworld's medical history."""
    signing = signed_requests({platform.app_id: platform.secret})

    @web.middleware
    async def fhir_signing(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await signing(request, handler)
        # The shared check refuses in the government envelope (the only plain JSON this
        # platform's own routes never send); this platform speaks FHIR.
        if is_control(request) or not isinstance(response, web.Response):
            return response
        if response.content_type == "application/json":
            try:
                raw = response.body if isinstance(response.body, bytes) else b"{}"
                message = str(json.loads(raw).get("message"))
            except ValueError:
                message = "签名校验失败"
            return outcome(401, "security", message)
        return response

    app = simulator_app(fhir_signing, failure=_maintenance)
    app[STORE] = seeded_store(PEOPLE)
    base = BASE_PATH
    app.router.add_post(base + "/Patient/_search", _patient_search, name="patient.search")
    app.router.add_get(base + "/Organization", _organizations, name="organization.search")
    app.router.add_get(base, _system_search, name="search")
    app.router.add_get(base + "/Binary/{id}", _binary, name="binary.read")
    app.router.add_get(base + "/{type}", _type_search, name="search.type")
    app.router.add_get(base + "/{type}/{id}", _read, name="read")
    app.router.add_post("/_sim/outage", _start_outage)
    app.router.add_delete("/_sim/outage", _end_outage)
    return app


def _maintenance(status: int) -> web.Response:
    response = outcome(status, "transient", "平台维护中，请稍后再试")
    response.headers["Retry-After"] = "30"
    return response


def _bundle(request: web.Request, result: simsearch.Result) -> web.Response:
    base = f"{request.url.origin()}{BASE_PATH}"
    links = [{"relation": "self", "url": str(request.url)}]
    if result.offset + result.count < result.total:
        query = MultiDict(request.query)
        query["_offset"] = str(result.offset + result.count)
        links.append({"relation": "next", "url": str(request.url.with_query(query))})
    entries = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": mode},
        }
        for rows, mode in ((result.matches, "match"), (result.included, "include"))
        for r in rows
    ]
    body = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "total": result.total,
        "link": links,
        "entry": entries,
    }
    return _fhir(body)


def _search(request: web.Request, types: list[str], query: MultiDict[str]) -> web.Response:
    try:
        return _bundle(request, simsearch.search(request.app[STORE], types, query))
    except simsearch.SearchError as exc:
        return outcome(400, "invalid", str(exc))


async def _patient_search(request: web.Request) -> web.Response:
    form = MultiDict(parse_qsl((await request.read()).decode()))
    system, _, value = form.get("identifier", "").partition("|")
    if set(form) != {"identifier"} or system not in IDENTIFIER_SYSTEMS.values() or not value:
        return outcome(400, "invalid", "须按证件标识查询患者 (search by identifier=system|value)")
    found = [
        p
        for p in request.app[STORE].of_type("Patient")
        if {"system": system, "value": value.upper()} in p["identifier"]
    ]
    return _bundle(request, simsearch.Result(found, [], len(found), 0, max(1, len(found))))


async def _organizations(request: web.Request) -> web.Response:
    if dict(request.query) not in ({}, {"type": "prov"}):
        return outcome(400, "invalid", "仅支持 type=prov")
    found = request.app[STORE].of_type("Organization")
    return _bundle(request, simsearch.Result(found, [], len(found), 0, max(1, len(found))))


async def _system_search(request: web.Request) -> web.Response:
    query = MultiDict(request.query)
    types = query.pop("_type", "").split(",")
    if not set(types) <= {"Encounter", "DiagnosticReport"} or not types[0]:
        return outcome(400, "invalid", "_type must list Encounter and/or DiagnosticReport")
    return _search(request, types, query)


async def _type_search(request: web.Request) -> web.Response:
    resource_type = request.match_info["type"]
    if resource_type not in simsearch.CLINICAL:
        return outcome(404, "not-supported", f"不支持的资源类型 {resource_type}")
    return _search(request, [resource_type], MultiDict(request.query))


async def _read(request: web.Request) -> web.Response:
    # Reads by id alone are refused for clinical data: searches must name the patient.
    return outcome(403, "forbidden", "请使用带患者条件的查询 (search with patient=)")


async def _binary(request: web.Request) -> web.Response:
    data = request.app[STORE].binaries.get(request.match_info["id"])
    if data is None:
        return outcome(404, "not-found", "文件不存在")
    if FHIR_JSON in request.headers.get("Accept", ""):
        encoded = base64.b64encode(data).decode()
        resource = {"resourceType": "Binary", "id": request.match_info["id"]}
        return _fhir({**resource, "contentType": "application/pdf", "data": encoded})
    return web.Response(body=data, content_type="application/pdf")


async def _start_outage(request: web.Request) -> web.Response:
    body = await control_body(request)
    status, delay, calls = body.get("status", 503), body.get("delay", 0), body.get("calls")
    if not (status is None or isinstance(status, int)) or not isinstance(delay, int | float):
        raise web.HTTPBadRequest(text="status is an HTTP status or null; delay is seconds")
    if not (calls is None or isinstance(calls, int)):
        raise web.HTTPBadRequest(text="calls is a number of requests or null")
    if status is None:  # late, not failing
        fault = Fault("slow", float(delay), calls=calls) if delay else Fault()
    else:
        fault = Fault("fail", float(delay), status, calls)
    set_fault(request.app, fault)
    return web.json_response({"outage": True})


async def _end_outage(request: web.Request) -> web.Response:
    set_fault(request.app, Fault())
    return web.json_response({"outage": False})
