"""A 信用山东 platform for tests and the demo: signed requests, seeded ratings and debtors.

Feedback is kept once per serial number (the platform's idempotency rule): a repeat with the
same content answers the same record with ``duplicate``; a repeat with other content is refused.

Controls: ``GET /_sim/feedback`` (records and how many calls arrived),
``POST /_sim/ratings {"certNo", "rating", "score"}`` (``rating`` null: no evaluation),
``POST /_sim/debtors {"certNo", "cases"}`` (0: off the list),
``POST /_sim/failures {"operation", "times"}`` (the next calls of an operation answer HTTP 503:
a shorthand for the shared ``/_sim/faults``, so one such outage at a time).
"""

from __future__ import annotations

import secrets
from datetime import date

from aiohttp import web

from integrations.base import Platform
from integrations.credit.models import CERT_TYPES, RATINGS, ErrCode
from integrations.credit.sim.data import STATE, CreditState, Evaluation
from integrations.simulator import (
    Fault,
    control_body,
    fail,
    ok,
    request_json,
    set_fault,
    signed_requests,
    simulator_app,
)
from integrations.simworld import gb11643_check_digit

_FEEDBACK_FIELDS = (
    "serialNo",
    "type",
    "certType",
    "certNo",
    "certName",
    "amount",
    "occurredOn",
    "reporter",
    "reporterName",
    "reference",
)


def create_simulator(platform: Platform) -> web.Application:
    """信用山东 as seen by our app id: the simworld's evaluations, debtors and our feedback."""
    app = simulator_app(signed_requests({platform.app_id: platform.secret}))
    app[STATE] = CreditState.seeded()
    app.router.add_post("/credit/v1/rating", _rating, name="credit.rating")
    app.router.add_post("/credit/v1/dishonest", _dishonest, name="credit.dishonest")
    app.router.add_post("/credit/v1/feedback", _feedback, name="credit.feedback")
    app.router.add_get("/_sim/feedback", _records)
    app.router.add_post("/_sim/ratings", _set_rating)
    app.router.add_post("/_sim/debtors", _set_debtor)
    app.router.add_post("/_sim/failures", _set_failures)
    return app


def _well_formed(cert_type: object, number: str) -> bool:
    if cert_type not in CERT_TYPES.values():
        return False
    if cert_type == CERT_TYPES["passport"]:
        return 5 <= len(number) <= 20 and number.isascii() and number.isalnum()
    head = number[:17]
    return (
        len(number) == 18
        and head.isascii()
        and head.isdigit()
        and (gb11643_check_digit(head) == number[17].upper())
    )


async def _person(request: web.Request) -> tuple[str, web.Response | None]:
    """The queried ID number, or the refusal to answer instead."""
    body = await request_json(request)
    if body is None:
        return "", fail(ErrCode.BAD_PARAMETERS, "请求体应为JSON对象 (body must be a JSON object)")
    number, name = body.get("certNo"), body.get("certName")
    if not (isinstance(number, str) and isinstance(name, str) and name) or not _well_formed(
        body.get("certType"), number
    ):
        return "", fail(ErrCode.BAD_PARAMETERS, "参数错误 (certType, certNo and certName)")
    number = number.upper()
    names = request.app[STATE].names.get(number)
    latin = "".join(name.split()).casefold()
    if (
        names
        and name.strip() not in names
        and latin not in {"".join(n.split()).casefold() for n in names}
    ):
        return number, fail(ErrCode.NAME_MISMATCH, "姓名与证件号码不符 (name does not match)")
    return number, None


async def _rating(request: web.Request) -> web.Response:
    number, refusal = await _person(request)
    if refusal is not None:
        return refusal
    found = request.app[STATE].evaluations.get(number)
    if found is None:
        return ok({"found": False})
    return ok(
        {
            "found": True,
            "rating": found.rating,
            "score": found.score,
            "evaluatedOn": found.evaluated_on.isoformat(),
        }
    )


async def _dishonest(request: web.Request) -> web.Response:
    number, refusal = await _person(request)
    if refusal is not None:
        return refusal
    cases = request.app[STATE].debtors.get(number, 0)
    return ok({"listed": cases > 0, "cases": cases})


async def _feedback(request: web.Request) -> web.Response:
    body = await request_json(request)
    state = request.app[STATE]
    state.received += 1
    if body is None or not all(body.get(f) not in (None, "") for f in _FEEDBACK_FIELDS):
        return fail(ErrCode.BAD_PARAMETERS, f"参数错误 (required: {', '.join(_FEEDBACK_FIELDS)})")
    amount = body["amount"]
    if body["type"] not in ("default", "repair") or type(amount) is not int or amount <= 0:
        return fail(ErrCode.BAD_PARAMETERS, "参数错误 (type default|repair, amount in fen > 0)")
    if not (isinstance(body["certNo"], str) and _well_formed(body["certType"], body["certNo"])):
        return fail(ErrCode.BAD_PARAMETERS, "证件号码格式错误 (malformed certificate number)")
    serial = str(body["serialNo"])
    known = state.records.get(serial)
    if known is not None:
        if known["request"] != body:
            return fail(ErrCode.SERIAL_REUSED, "流水号已使用 (serial number reused)")
        return ok({"recordId": known["recordId"], "duplicate": True})
    if body["type"] == "repair":
        original = next(
            (r for r in state.records.values() if r["recordId"] == body.get("recordId")), None
        )
        if original is None or original["type"] != "default":
            return fail(ErrCode.NO_SUCH_RECORD, "信用记录不存在 (no such record to repair)")
        original["repaired"] = True
    record_id = "XYFK" + secrets.token_hex(8).upper()
    state.records[serial] = {
        "recordId": record_id,
        "type": body["type"],
        "serialNo": serial,
        "certNo": body["certNo"],
        "amount": amount,
        "repaired": False,
        "reference": body["reference"],
        "request": body,
    }
    return ok({"recordId": record_id, "duplicate": False})


async def _records(request: web.Request) -> web.Response:
    state = request.app[STATE]
    records = [{k: v for k, v in r.items() if k != "request"} for r in state.records.values()]
    return web.json_response({"records": records, "received": state.received})


async def _set_rating(request: web.Request) -> web.Response:
    body = await control_body(request)
    number, rating, score = body.get("certNo"), body.get("rating"), body.get("score", 600)
    if not isinstance(number, str) or not (rating is None or rating in RATINGS):
        raise web.HTTPBadRequest(text="send certNo and a rating (A+, A, B, C, D or null)")
    if not isinstance(score, int) or not 0 <= score <= 1000:
        raise web.HTTPBadRequest(text="score is an integer from 0 to 1000")
    evaluations = request.app[STATE].evaluations
    if rating is None:
        evaluations.pop(number.upper(), None)
    else:
        evaluations[number.upper()] = Evaluation(rating, score, date.today())
    return web.json_response({"certNo": number, "rating": rating})


async def _set_debtor(request: web.Request) -> web.Response:
    body = await control_body(request)
    number, cases = body.get("certNo"), body.get("cases")
    if not isinstance(number, str) or type(cases) is not int or cases < 0:
        raise web.HTTPBadRequest(text="send certNo and cases (0 takes the person off the list)")
    request.app[STATE].debtors[number.upper()] = cases
    return web.json_response({"certNo": number, "listed": cases > 0})


async def _set_failures(request: web.Request) -> web.Response:
    """An outage of one operation for its next ``times`` calls, for retry tests."""
    body = await control_body(request)
    operation, times = body.get("operation"), body.get("times")
    if operation not in ("credit.rating", "credit.dishonest", "credit.feedback") or (
        type(times) is not int or times < 0
    ):
        raise web.HTTPBadRequest(text="operation: credit.rating|dishonest|feedback; times >= 0")
    set_fault(request.app, Fault("fail", calls=times, operation=str(operation)))
    return web.json_response({"operation": operation, "times": times})
