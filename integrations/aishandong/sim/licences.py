"""The simulated household register and licence service, and the controls tests use on them.

Controls: ``POST /_sim/licences`` adds or replaces a licence (fields of ``LicenceRecord`` and
``id_number``; when the holder has a licence of that kind, and that number if one is given,
fields left out are kept from it, so ``{"id_number", "kind", "valid_until"}`` expires one);
``DELETE /_sim/licences``
``{"id_number", "kind", "number"?}`` withdraws; ``POST /_sim/licence-services``
``{"kind", "available"}`` takes a kind's service off line or back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from integrations.aishandong.models import (
    LICENCE_KINDS,
    LICENCE_KINDS_BY_TYPE,
    LICENCE_TYPES,
    ErrCode,
    LicenceKind,
)
from integrations.aishandong.sim.state import (
    LICENCES,
    OFFLINE,
    RECORDS,
    holder,
    household_of,
    relation_to_head,
    well_formed,
)
from integrations.simulator import control_body, fail, ok, request_json
from integrations.simworld import Person
from integrations.simworld_licences import LicenceRecord
from integrations.simworld_licences import licence_from_json as record_from_json

_NOT_FOUND = "查无此人 (no such person)"


def add_routes(app: web.Application) -> None:
    """Household and licence operations, and their controls, on a 爱山东 simulator."""
    app.router.add_post("/licence/v1/household", _household, name="licence.household")
    app.router.add_post("/licence/v1/query", _query, name="licence.query")
    app.router.add_post("/_sim/licences", _put_licence)
    app.router.add_delete("/_sim/licences", _withdraw_licence)
    app.router.add_post("/_sim/licence-services", _set_service)


async def _household(request: web.Request) -> web.Response:
    body = await request_json(request)
    number = body.get("certNo") if body else None
    if not isinstance(number, str):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (certNo is required)")
    if not well_formed("id_card", number):
        return fail(ErrCode.MALFORMED_NUMBER, "证件号码格式错误 (malformed certificate number)")
    person = holder(request.app[RECORDS], number)
    if person is None or person.household_id is None:  # foreigners are not in the register
        return fail(ErrCode.NO_SUCH_PERSON, _NOT_FOUND)
    head, *rest = household_of(request.app[RECORDS], person)
    members = [
        {"name": p.name, "certNo": p.id_number, "relation": relation_to_head(head, p),
         "birthDate": p.birth_date.isoformat()}
        for p in (head, *rest)
    ]  # fmt: skip
    return ok({"householdId": person.household_id, "members": members})


async def _query(request: web.Request) -> web.Response:
    body = await request_json(request) or {}
    number, types = body.get("certNo"), body.get("licenceTypes")
    if not (isinstance(number, str) and isinstance(types, list) and types):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (certNo and licenceTypes are required)")
    if not well_formed("id_card", number):
        return fail(ErrCode.MALFORMED_NUMBER, "证件号码格式错误 (malformed certificate number)")
    kinds: set[LicenceKind] = set()
    for code in types:
        kind = LICENCE_KINDS_BY_TYPE.get(code) if isinstance(code, str) else None
        if kind is None or kind in request.app[OFFLINE]:
            return fail(ErrCode.KIND_UNAVAILABLE, f"{code} 证照服务暂不可用 (service unavailable)")
        kinds.add(kind)
    person = holder(request.app[RECORDS], number)
    if person is None:
        return fail(ErrCode.NO_SUCH_PERSON, _NOT_FOUND)
    held = request.app[LICENCES].get(person.id_number, [])
    return ok({"licences": [_wire(person, r) for r in held if r.kind in kinds]})


def _wire(person: Person, record: LicenceRecord) -> dict[str, Any]:
    valid_until = record.valid_until.isoformat() if record.valid_until else None
    return {
        "licenceType": LICENCE_TYPES[record.kind], "licenceNo": record.number,
        "holderName": person.name, "holderCertNo": person.id_number,
        "issuerName": record.issuer, "issuerCode": record.issuer_code,
        "issueDate": record.issued_on.isoformat(), "expiryDate": valid_until,
        "attributes": dict(record.attributes),
    }  # fmt: skip


async def _held(request: web.Request) -> tuple[dict[str, Any], list[LicenceRecord], list[int]]:
    """The control body, the person's licences, and the indexes of those the body names."""
    body = await control_body(request)
    number = body.pop("id_number", None)
    person = holder(request.app[RECORDS], number) if isinstance(number, str) else None
    if person is None:
        raise web.HTTPBadRequest(text="id_number must be a known person's")
    held = request.app[LICENCES].setdefault(person.id_number, [])
    kind, licence_no = body.get("kind"), body.get("number")
    named = [i for i, r in enumerate(held) if r.kind == kind and licence_no in (None, r.number)]
    return body, held, named


async def _put_licence(request: web.Request) -> web.Response:
    body, held, named = await _held(request)
    if len(named) > 1:
        raise web.HTTPBadRequest(text="several licences of this kind: give the number")
    base = dataclasses.asdict(held[named[0]]) if named else {}
    try:
        record = record_from_json({**base, **body})
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    if named:
        held[named[0]] = record
    else:
        held.append(record)
    answer = {"kind": record.kind, "number": record.number}
    return web.json_response(answer, status=200 if named else 201)


async def _withdraw_licence(request: web.Request) -> web.Response:
    _, held, named = await _held(request)
    if not named:
        raise web.HTTPNotFound(text="no such licence")
    for index in reversed(named):
        del held[index]
    return web.json_response({"withdrawn": len(named)})


async def _set_service(request: web.Request) -> web.Response:
    body = await control_body(request)
    kind, available = body.get("kind"), body.get("available")
    if kind not in LICENCE_KINDS or not isinstance(available, bool):
        raise web.HTTPBadRequest(text=f"kind must be one of {LICENCE_KINDS}; available a bool")
    if available:
        request.app[OFFLINE].discard(kind)
    else:
        request.app[OFFLINE].add(kind)
    return web.json_response({"kind": kind, "available": available})
