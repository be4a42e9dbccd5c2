"""The request pipeline: request id and metrics outside, problem documents inside."""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import sqlite3
import time

import asyncpg  # type: ignore[import-untyped]
from aiohttp import web
from aiohttp.typedefs import Handler
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError

from codes.errors import CodeRejected
from integrations.base import PlatformUnavailable
from palm import keys, language, logs, problems
from palm.logs import request_id_var
from services import errors as shared
from services.codes.errors import code_rejected
from services.errors import DomainError

log = logging.getLogger("palm.http")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class _RequestIds:
    """Request ids unique across processes and restarts without a system call each: 64 random
    bits drawn once per process, then a counter (uuid4 reads os.urandom for every request). A
    forked child draws its own prefix, so workers never share one."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):08x}"


new_request_id = _RequestIds().next


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one middleware: give each request an id (echoed back), turn every failure into
    application/problem+json (never leaking internals), time it, count it and log one line.

    One layer rather than two (request id outside, problem documents inside): every request
    pays for each layer aiohttp wraps around the handler.
    """
    public = request.app[keys.PUBLIC_URL]
    if not public.known:  # the first request tells us the port we really listen on
        public.learn(request)
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _REQUEST_ID_RE.match(incoming) else new_request_id()
    request[keys.REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await handler(request)
        except Exception as exc:
            response = problem_response(request, exc)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = request.match_info.route.resource
        template = route.canonical if route is not None else "unmatched"
        request.app[keys.METRICS].observe_request(template, request.method, status, elapsed)
        logs.access(request.method, template, status, elapsed * 1000, request_id)
        request_id_var.reset(token)


def problem_response(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The problem document answering ``exc``; a redirect (HTTPException < 400) is re-raised."""
    allow = None
    if isinstance(exc, DomainError):
        error = exc
    elif isinstance(exc, CodeRejected):  # the code engine is a library: its refusals map here
        error = code_rejected(exc)
    elif isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        error = _from_http(exc, request)
        allow = exc.headers.get("Allow")
    elif isinstance(exc, PlatformUnavailable):
        log.warning("platform unavailable: %s", exc)
        error = problems.platform_unavailable(exc.platform)
    else:
        store = storage_outage(exc)
        if store is None:
            log.error(
                "unhandled error in %s %s", request.method, request.path,
                exc_info=(type(exc), exc, exc.__traceback__),
            )  # fmt: skip
            error = problems.internal_error()
        else:
            log.error("%s unavailable: %s", store, type(exc).__name__)
            error = problems.storage_unavailable(store)
    lang = language.of_request(request)
    response = problems.problem_response(error, request[keys.REQUEST_ID], request.path, lang)
    if allow is not None:
        response.headers["Allow"] = allow
    return response


# What a store that cannot be reached raises, directly or as the cause of a wrapper (Tortoise's
# OperationalError and TransactionManagementError, taskiq's SendTaskError). Tortoise's
# OperationalError alone is not here: it also wraps SQL and data errors, which are our bugs.
_CACHE_DOWN = (RedisConnectionError, RedisTimeoutError)  # BusyLoadingError is a ConnectionError
_DATABASE_DOWN = (
    DBConnectionError,
    asyncpg.PostgresConnectionError,  # connection lost, refused, rejected
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    sqlite3.OperationalError,  # locked, unable to open (SQLite is the development store)
    ConnectionError,  # refused or reset at the socket
    TimeoutError,  # no answer in time (pool, socket)
)


def _closed_under_us(exc: BaseException) -> bool:
    # asyncpg's InterfaceError is mostly misuse (our bug), but "the underlying connection is
    # closed" is what a rollback meets when the server went away mid-transaction.
    return isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc)


def storage_outage(exc: BaseException) -> str | None:
    """The store ("cache" or "database") that ``exc``, or what caused it, says is unreachable."""
    seen: BaseException | None = exc
    for _ in range(8):  # causes form a short chain; a bound keeps a cycle harmless
        if seen is None:
            return None
        if isinstance(seen, _CACHE_DOWN):
            return "cache"
        if isinstance(seen, _DATABASE_DOWN) or _closed_under_us(seen):
            return "database"
        seen = seen.__cause__ or seen.__context__
    return None


def _from_http(exc: web.HTTPException, request: web.Request) -> DomainError:
    if exc.status == 404:
        return shared.not_found()
    if exc.status == 405:
        return problems.method_not_allowed(request.method)
    if exc.status == 413:
        return problems.too_large(request.app[keys.SETTINGS].max_body_bytes)
    return DomainError(
        f"http_{exc.status}",
        "请求无法处理。",
        exc.reason or "The request could not be processed.",
    )


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the same protective headers on every response."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    if request.path.startswith("/docs"):
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
        )
    else:
        headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        headers.setdefault("Cache-Control", "no-store")
