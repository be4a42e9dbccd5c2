"""A 爱山东 platform for tests and the demo: signed requests only, the simworld's people.

Control endpoints: ``POST /_sim/people`` adds a person (JSON fields of ``simworld.Person``);
the licence ones are in ``simlicences``.
"""

from __future__ import annotations

from aiohttp import web

from integrations.aishandong.models import CERT_TYPES, ErrCode
from integrations.aishandong.sim import licences as simlicences
from integrations.aishandong.sim.state import LICENCES, OFFLINE, RECORDS, holder, well_formed
from integrations.base import Platform
from integrations.simulator import (
    control_body,
    fail,
    ok,
    request_json,
    signed_requests,
    simulator_app,
)
from integrations.simworld import PEOPLE, Person, person_from_json
from integrations.simworld_licences import LICENCES as SEEDED_LICENCES

_ID_TYPES = {code: id_type for id_type, code in CERT_TYPES.items()}


def create_simulator(platform: Platform) -> web.Application:
    """爱山东 as seen by our app id: identity, household register and licences of the simworld."""
    app = simulator_app(signed_requests({platform.app_id: platform.secret}))
    # Copies: people and licences changed by one test stay in its simulator.
    app[RECORDS] = dict(PEOPLE)
    app[LICENCES] = {number: list(held) for number, held in SEEDED_LICENCES.items()}
    app[OFFLINE] = set()
    app.router.add_post("/identity/v1/verify", _verify_identity, name="identity.verify")
    app.router.add_post("/_sim/people", _add_person)
    simlicences.add_routes(app)
    return app


def _same_name(person: Person, name: str) -> bool:
    if name.strip() == person.name:
        return True
    # Foreigners' cards carry a Latin name too; spacing and case vary between systems.
    latin = "".join(name.split()).casefold()
    return person.name_en is not None and latin == "".join(person.name_en.split()).casefold()


async def _verify_identity(request: web.Request) -> web.Response:
    body = await request_json(request)
    if body is None:
        return fail(ErrCode.BAD_PARAMETERS, "请求体应为JSON对象 (body must be a JSON object)")
    name, cert_type, number = body.get("certName"), body.get("certType"), body.get("certNo")
    if not (isinstance(name, str) and name and isinstance(number, str) and cert_type in _ID_TYPES):
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (certName, certType and certNo are required)")
    id_type = _ID_TYPES[cert_type]
    if not well_formed(id_type, number):
        return fail(ErrCode.MALFORMED_NUMBER, "证件号码格式错误 (malformed certificate number)")
    person = holder(request.app[RECORDS], number, id_type)
    if person is None:
        return ok({"result": "not_found"})
    return ok({"result": "match" if _same_name(person, name) else "mismatch"})


async def _add_person(request: web.Request) -> web.Response:
    try:
        person = person_from_json(await control_body(request))
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    request.app[RECORDS][person.key] = person
    return web.json_response({"key": person.key}, status=201)
