"""A simulator of the talent platform (人社/人才): the same signing and error rules, seeded data.

Controls: ``POST /_sim/talents`` adds or changes a record (``id_number`` and any fields of
``simstate.TalentRecord``; fields left out are kept, and each changed field lands in the change
feed); ``DELETE /_sim/talents`` ``{"id_number"}`` removes one; ``POST /_sim/availability``
``{"available": false}`` makes the platform answer HTTP 503 until set back (a shorthand for the
shared ``/_sim/faults``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from integrations.base import Platform
from integrations.simulator import (
    SIM,
    Fault,
    control_body,
    fail,
    ok,
    request_json,
    set_fault,
    signed_requests,
    simulator_app,
)
from integrations.talent.models import ErrCode
from integrations.talent.sim.state import (
    STATE,
    ChangeEntry,
    TalentRecord,
    now_utc,
    record_from_json,
    seeded_world,
)

_MAX_PAGE = 500


def create_simulator(platform: Platform) -> web.Application:
    """The talent platform as seen by our app id: qualifications and their change feed."""
    app = simulator_app(signed_requests({platform.app_id: platform.secret}))
    app[STATE] = seeded_world()
    app.router.add_post(
        "/talent/v1/qualification/query", _qualification, name="qualification.query"
    )
    app.router.add_post("/talent/v1/qualification/changes", _changes, name="qualification.changes")
    app.router.add_post("/_sim/talents", _put_record)
    app.router.add_delete("/_sim/talents", _delete_record)
    app.router.add_post("/_sim/availability", _set_availability)
    return app


async def _qualification(request: web.Request) -> web.Response:
    body = await request_json(request) or {}
    number, name = body.get("certNo"), body.get("certName")
    if not (isinstance(number, str) and number and isinstance(name, str) and name):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (certNo and certName are required)")
    record = request.app[STATE].records.get(number.upper())
    if record is None:
        return fail(ErrCode.NO_RECORD, "查无人才信息 (no record for this person)")
    if record.name != name.strip():
        return fail(ErrCode.NAME_MISMATCH, "姓名与证件号码不符 (name does not match)")
    return ok(_wire(record))


def _wire(record: TalentRecord) -> dict[str, Any]:
    education, title = record.education, record.title
    return {
        "talentClass": record.talent_class,
        "education": None if education is None else {
            "level": education.level, "institution": education.institution,
            "awardedOn": education.awarded_on.isoformat(),
        },
        "title": None if title is None else {
            "level": title.level, "name": title.name, "awardedOn": title.awarded_on.isoformat(),
        },
        "employer": record.employer,
        "contractEndsOn": record.contract_ends_on.isoformat() if record.contract_ends_on else None,
        "certifiedOn": record.certified_on.isoformat() if record.certified_on else None,
        "version": record.version,
    }  # fmt: skip


async def _changes(request: web.Request) -> web.Response:
    body = await request_json(request) or {}
    since, limit = body.get("since"), body.get("limit", 200)
    if not (type(since) is int and since >= 0 and type(limit) is int and 0 < limit <= _MAX_PAGE):
        return fail(ErrCode.BAD_PARAMETERS, f"参数错误 (since >= 0, 0 < limit <= {_MAX_PAGE})")
    feed = request.app[STATE].changes
    page = feed[since : since + limit]  # seq n is at index n - 1
    return ok({
        "changes": [_change(entry) for entry in page],
        "next": page[-1].seq if page else min(since, len(feed)),
        "more": since + len(page) < len(feed),
    })  # fmt: skip


def _change(entry: ChangeEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq, "certNo": entry.id_number, "change": entry.kind,
        "version": entry.version, "changedAt": entry.changed_at.isoformat(),
    }  # fmt: skip


async def _put_record(request: web.Request) -> web.Response:
    body = await control_body(request)
    number = body.pop("id_number", None)
    if not isinstance(number, str) or not number:
        raise web.HTTPBadRequest(text="id_number is required")
    world = request.app[STATE]
    base = world.records.get(number)
    if base is None and "name" not in body:
        raise web.HTTPBadRequest(text="a new record needs a name")
    try:
        record = record_from_json(base, {**body, "id_number": number})
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    added = world.put(record, now_utc(request.app[SIM].offset))
    version = world.records[number].version
    return web.json_response({"version": version, "changes": [e.seq for e in added]}, status=201)


async def _delete_record(request: web.Request) -> web.Response:
    number = (await control_body(request)).get("id_number")
    if not isinstance(number, str) or request.app[STATE].records.pop(number, None) is None:
        raise web.HTTPNotFound(text="no such record")
    return web.json_response({"deleted": number})


async def _set_availability(request: web.Request) -> web.Response:
    available = (await control_body(request)).get("available")
    if not isinstance(available, bool):
        raise web.HTTPBadRequest(text="available must be true or false")
    set_fault(request.app, Fault() if available else Fault("fail"))
    return web.json_response({"available": available})
