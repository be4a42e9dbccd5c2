"""A 爱山东 platform for tests and the demo: signed requests only, the simworld's people.

Control endpoint: ``POST /_sim/people`` adds a person (JSON fields of ``simworld.Person``).
"""

from __future__ import annotations

from aiohttp import web

from integrations.aishandong.models import CERT_TYPES
from integrations.base import Platform
from integrations.simulator import control_body, fail, ok, signed_requests, simulator_app
from integrations.simworld import PEOPLE, Person, gb11643_check_digit, person_from_json

RECORDS = web.AppKey("aishandong_people", dict[str, Person])
_ID_TYPES = {code: id_type for id_type, code in CERT_TYPES.items()}


def create_simulator(platform: Platform) -> web.Application:
    """爱山东 as seen by our app id: identity verification over everyone in the simworld."""
    app = simulator_app(signed_requests({platform.app_id: platform.secret}))
    app[RECORDS] = dict(PEOPLE)  # a copy: people added by one test stay in its simulator
    app.router.add_post("/identity/v1/verify", _verify_identity, name="identity.verify")
    # Electronic licences (household register, disability certificate, degree) will be
    # further routes over the same records.
    app.router.add_post("/_sim/people", _add_person)
    return app


def _well_formed(id_type: str, number: str) -> bool:
    if id_type == "passport":
        return 5 <= len(number) <= 20 and number.isascii() and number.isalnum()
    return (
        len(number) == 18
        and number[:17].isascii()
        and number[:17].isdigit()
        and gb11643_check_digit(number[:17]) == number[17].upper()
    )


def _same_name(person: Person, name: str) -> bool:
    if name.strip() == person.name:
        return True
    # Foreigners' cards carry a Latin name too; spacing and case vary between systems.
    latin = "".join(name.split()).casefold()
    return person.name_en is not None and latin == "".join(person.name_en.split()).casefold()


async def _verify_identity(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return fail(20001, "请求体应为JSON对象 (body must be a JSON object)")
    name, cert_type, number = body.get("certName"), body.get("certType"), body.get("certNo")
    if not (isinstance(name, str) and name and isinstance(number, str) and cert_type in _ID_TYPES):
        return fail(20001, "参数错误 (certName, certType and certNo are required)")
    id_type = _ID_TYPES[cert_type]
    if not _well_formed(id_type, number):
        return fail(20002, "证件号码格式错误 (malformed certificate number)")
    holder = next(
        (
            p
            for p in request.app[RECORDS].values()
            if p.id_type == id_type and p.id_number.upper() == number.upper()
        ),
        None,
    )
    if holder is None:
        return ok({"result": "not_found"})
    return ok({"result": "match" if _same_name(holder, name) else "mismatch"})


async def _add_person(request: web.Request) -> web.Response:
    try:
        person = person_from_json(await control_body(request))
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    request.app[RECORDS][person.key] = person
    return web.json_response({"key": person.key}, status=201)
