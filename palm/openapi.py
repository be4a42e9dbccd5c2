"""The OpenAPI 3.1 document, generated from the registered operations and their models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from palm.api import ApiModel, Operation

TAGS = [
    ("auth", "WeChat login, sessions and the resident's own profile"),
    ("talent", "Talent e-card"),
    ("transit", "Bus ride code"),
    ("medical", "Medical-record lookup"),
    ("credit", "Credit-based deposit waivers"),
    ("merchant", "Scans and views for merchants' staff"),
    ("devices", "Bus validators and other devices"),
    ("admin", "Operators"),
    ("bot", "WeChat chat bot"),
    ("system", "Health, metrics and this contract"),
]


class FieldProblem(ApiModel):
    path: str
    message: str
    type: str


class Problem(ApiModel):
    """An error (RFC 9457) with a stable code and messages in Chinese and English.

    Some problems carry more members (``retry_after`` context, ``platform``, ``checks``).
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    title: str
    status: int
    detail: str
    code: str
    message_zh: str
    message_en: str
    instance: str
    request_id: str
    errors: list[FieldProblem] | None = None


_PROBLEM_TEXT = {
    400: "Malformed request",
    401: "Not signed in, or the session ended",
    403: "Signed in but not allowed",
    404: "No such resource",
    405: "Method not allowed",
    409: "Conflicts with the current state",
    413: "Request body too large",
    415: "Request body is not JSON",
    422: "Invalid fields (see errors[])",
    429: "Too many requests (see Retry-After)",
    500: "Unexpected error (quote request_id)",
    503: "A dependency is unavailable (see Retry-After)",
}

_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def build(operations: list[Operation], *, version: str) -> dict[str, Any]:
    models: set[type[BaseModel]] = {Problem}
    for op in operations:
        models.update(m for m in (op.body, op.response, op.query) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, defs = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas = defs.get("$defs", {})

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return refs[(model, "validation")]

    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(operations, key=lambda o: (o.path, o.method)):
        path = _PATH_PARAM.sub(r"{\1}", op.path)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, path, ref, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Weihai palm services",
            "version": version,
            "description": "Backend of the Weihai palm services mini-program and chat bot. "
            "Every error is application/problem+json with a stable code and messages "
            "in Chinese and English.",
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "http", "scheme": "bearer", "description": "Session token"},
                "signed": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "signature",
                    "description": "A platform's callback, signed the platform's way "
                    "(WeChat: signature/timestamp/nonce query; others: X-Signature headers)",
                },
                "device": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Device-Signature",
                    "description": "Request signed with the device's own key",
                },
            },
        },
    }


def _operation(op: Operation, path: str, ref: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary or op.operation_id.replace("_", " "),
        "tags": [op.tag],
        "security": [] if op.auth == "none" else [{op.auth: []}],
        "parameters": _parameters(op, path, schemas),
        "responses": {},
    }
    if op.description:
        doc["description"] = op.description
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(op.body)}},
        }
    if op.response is not None:
        content: dict[str, Any] = {op.content_type: {"schema": ref(op.response)}}
        doc["responses"][str(op.status)] = {"description": "Success", "content": content}
    elif op.content_type != "application/json":
        schema = {"type": "string", "contentMediaType": op.content_type}
        content = {op.content_type: {"schema": schema}}
        doc["responses"][str(op.status)] = {"description": "Success", "content": content}
    else:
        doc["responses"][str(op.status)] = {"description": "Done, nothing to return"}
    for status, text in op.extra_responses.items():
        doc["responses"][str(status)] = {"description": text}
    for status in _problem_statuses(op):
        doc["responses"][str(status)] = {
            "description": _PROBLEM_TEXT[status],
            "content": {"application/problem+json": {"schema": ref(Problem)}},
        }
    return doc


def _parameters(op: Operation, path: str, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([^}]+)\}", path)
    ]
    if op.query is not None:
        schema = schemas[op.query.__name__]
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return params


def _problem_statuses(op: Operation) -> list[int]:
    statuses = {405, 500, 503}
    if op.body is not None:
        statuses |= {400, 413, 415, 422}
    if op.query is not None:
        statuses.add(422)
    if op.auth in ("session", "device"):
        statuses.add(401)  # a signed callback refuses in its platform's own shape instead
    if op.auth != "none" or op.rate is not None:
        statuses.add(429)
    if op.roles:
        statuses.add(403)
    if "{" in op.path:
        statuses.add(404)
    statuses.update(op.errors)
    return sorted(statuses)
