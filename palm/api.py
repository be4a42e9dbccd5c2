"""Declaring endpoints: one decorator records the contract and does the HTTP chores.

A handler is ``async def name(request, *, body=..., query=...) -> ResponseModel``; the decorator
parses and validates input against pydantic models, checks authentication and roles, and
serialises the result. The same records generate ``/openapi.json`` (``palm.openapi``).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from palm import keys
from palm.problems import UnsupportedMediaType
from services import errors as shared
from services import jobs, localcopy
from services.errors import (
    FieldError,
    InvalidInput,
    PermissionDenied,
    ValidationFailed,
)
from services.identity import devices

log = logging.getLogger("palm.api")

Auth = Literal["none", "session", "device", "signed"]
"""signed: a platform's callback; the handler verifies the platform's own signature."""
Handler = Callable[..., Awaitable[Any]]
H = TypeVar("H", bound=Handler)


class ApiModel(BaseModel):
    """Base of request and response bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class Operation:
    """One endpoint's contract, read by the router and by the OpenAPI generator."""

    method: str
    path: str
    tag: str
    summary: str
    handler: Handler
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: Auth = "session"
    roles: frozenset[str] = frozenset()
    errors: tuple[int, ...] = ()
    rate: str | None = None  # an extra named limit from settings.rate_limits
    limited: bool = True  # False: health and metrics must answer even when Redis is down
    content_type: str = "application/json"
    description: str = ""
    extra_responses: dict[int, str] = field(default_factory=dict)

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


class Api:
    """A table of operations for one handler module; ``app_factory`` registers them all."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[Operation] = []

    def route(self, method: str, path: str, **options: Any) -> Callable[[H], H]:
        def decorator(handler: H) -> H:
            doc = (handler.__doc__ or "").strip()
            summary, _, description = doc.partition("\n")
            opts = {"tag": self.tag, **options}
            if "roles" in opts:
                opts["roles"] = frozenset(opts["roles"])
            self.operations.append(
                Operation(
                    method=method,
                    path=path,
                    summary=opts.pop("summary", summary.strip()),
                    description=opts.pop("description", description.strip()),
                    handler=handler,
                    **opts,
                )
            )
            return handler

        return decorator

    def get(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route("DELETE", path, **options)


def path_uuid(request: web.Request, name: str = "id") -> uuid.UUID:
    """A UUID path parameter; anything else is simply not found."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise shared.not_found() from None


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def path_code(request: web.Request, name: str, max_length: int = 64) -> str:
    """A short code in the path (a benefit's, a class's): anything else is a 422 at the edge."""
    value = request.match_info[name]
    if len(value) > max_length or not _CODE.fullmatch(value):
        raise ValidationFailed([FieldError(
            path=f"path/{name}", type="pattern",
            message=f"1 to {max_length} letters, digits, '-', '_' or '.'",
        )])  # fmt: skip
    return value


def register(app: web.Application, apis: Iterable[Api]) -> None:
    """Add every operation to the app's router and remember them for the contract."""
    operations = app.setdefault(keys.OPERATIONS, [])
    for api in apis:
        for op in api.operations:
            app.router.add_route(op.method, op.path, _endpoint(op), name=op.operation_id)
            operations.append(op)


def _endpoint(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        await _authorise(request, op)
        kwargs: dict[str, Any] = {}
        if op.query is not None:
            _refuse_nul(request.query.items(), "query")
            kwargs["query"] = _validate(op.query, dict(request.query), "query")
        _refuse_nul(request.match_info.items(), "path")
        if op.body is not None:
            kwargs["body"] = await _read_body(request, op.body)
        collecting, announcing = jobs.collect(), localcopy.collect()
        try:
            result = await op.handler(request, **kwargs)
        finally:
            added = jobs.collected(collecting)
            localcopy.apply_here(request.app[keys.DEPS].changes, announcing)
        if added:  # committed by now: hand the new outbox messages to the queue at once
            await request.app[keys.JOBS].kick(added)  # never raises: the sweep is behind it
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        return web.Response(
            body=result.model_dump_json(by_alias=True).encode(),
            status=op.status,
            content_type="application/json",
        )

    endpoint.__name__ = op.operation_id
    return endpoint


async def _authorise(request: web.Request, op: Operation) -> None:
    """Authenticate by the operation's scheme, check roles, and count the request."""
    deps, limits = request.app[keys.DEPS], request.app[keys.SETTINGS].rate_limits
    if op.auth == "session":
        principal = await deps.sessions.authenticate(request.headers.get("Authorization", ""))
        if op.roles and not (op.roles & principal.roles):
            raise PermissionDenied(
                "forbidden_role",
                "您没有使用此功能的权限。",
                "Your account may not use this function.",
            )
        request[keys.PRINCIPAL] = principal
        scope, ident = "resident", principal.resident_id.hex
    elif op.auth == "device":
        body = await request.read() if request.can_read_body else b""
        device = await devices.authenticate(
            deps.redis, request.headers, request.method, request.path_qs, body
        )
        request[keys.DEVICE] = device
        scope, ident = "device", device.code
    else:
        scope, ident = "ip", request.remote or "unknown"
    if op.limited:
        await deps.limiter.hit(scope, ident, getattr(limits, scope))
    if op.rate is not None:
        await deps.limiter.hit(op.rate, ident, getattr(limits, op.rate))


async def _read_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_type not in ("application/json",) and not (
        request.content_type.startswith("application/") and request.content_type.endswith("+json")
    ):
        raise UnsupportedMediaType(
            "unsupported_media_type",
            "请求内容类型必须是 application/json。",
            "The request body must be sent as application/json.",
        )
    raw = await request.read()
    if not raw.strip():
        raise InvalidInput(
            "body_required", "请求内容不能为空。", "A JSON request body is required."
        )
    # The regex only where an escaped NUL could be: it would otherwise try every position of
    # the body (a validator's batch of taps is some 360 KB).
    if b"\x00" in raw or (b"\\u0000" in raw and _JSON_NUL.search(raw)):
        _refuse_nul([("", "\x00")], "body")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise InvalidInput(
                "malformed_json",
                "请求内容不是有效的 JSON。",
                "The request body is not valid JSON.",
            ) from None
        raise _validation_failed(exc, "body") from None


# A NUL character: PostgreSQL text cannot hold one, and no resident types one. JSON carries it
# as \u0000 (not preceded by another backslash, which would escape the backslash itself).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _refuse_nul(items: Iterable[tuple[str, str]], where: str) -> None:
    bad = [name for name, value in items if "\x00" in value]
    if bad:
        raise ValidationFailed([
            FieldError(path="/".join(filter(None, (where, name))), message="must not contain NUL",
                       type="string_nul")
            for name in bad
        ])  # fmt: skip


def _validate(model: type[BaseModel], data: dict[str, Any], where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _validation_failed(exc, where) from None


def _validation_failed(exc: ValidationError, where: str) -> ValidationFailed:
    errors = [
        FieldError(
            path="/".join([where, *(str(part) for part in err["loc"])]),
            message=_MESSAGES.get(err["type"], err["msg"]),
            type=err["type"],
        )
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return ValidationFailed(errors)


# Plain messages for the commonest cases; pydantic's own text never contains the input value
# because include_input=False, but these read better on a phone.
_MESSAGES = {
    "missing": "field required",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
}
