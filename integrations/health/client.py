"""Client for the provincial health information platform: FHIR R4 over signed HTTP requests.

Requests carry the shared ``X-App-Id``/``X-Timestamp``/``X-Nonce``/``X-Signature`` headers;
answers are FHIR resources, errors ``OperationOutcome`` with an HTTP status. Every read is
idempotent, so transport failures, timeouts, 429 and 5xx are retried with backoff inside a
deadline of twice the platform's timeout. Answers are validated with ``fhir.resources``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

import aiohttp
from pydantic import BaseModel, ValidationError
from yarl import URL

from integrations.base import IdType, PlatformError, PlatformUnavailable
from integrations.client import PlatformClient
from integrations.health.fhir import (
    BASE_PATH,
    CATEGORIES,
    CATEGORY_SYSTEM,
    FHIR_JSON,
    IDENTIFIER_SYSTEMS,
    Bundle,
    OperationOutcome,
    RecordKind,
)
from integrations.signing import signed_headers

log = logging.getLogger(__name__)
_Model = TypeVar("_Model", bound=BaseModel)
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HealthServerError(PlatformUnavailable):
    """The platform failed on this very request (HTTP 500, an unreadable answer).

    Unlike a timeout or a 503 this may be the request's own doing, so it says the platform is
    unhealthy only when different callers meet it (``services.medical.breaker``).
    """


class HealthError(PlatformError):
    """The platform refused the request with an OperationOutcome (``code`` is the HTTP status)."""

    def __init__(self, platform: str, status: int, issue: str, message: str) -> None:
        super().__init__(platform, status, message)
        self.issue = issue  # OperationOutcome.issue[0].code: not-found, security, invalid…


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search and the path of the next one (relative to the platform), if any."""

    bundle: Bundle
    next: str | None


@dataclass(frozen=True, slots=True)
class BinaryStream:
    """A report file as the platform sends it: type, length if known, and its bytes."""

    content_type: str
    size: int | None
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True, slots=True)
class Query:
    """Filters of a record search; dates are inclusive bounds on the clinical date."""

    since: date | None = None
    until: date | None = None
    hospital: str | None = None  # our organisation code
    count: int = 20
    with_results: bool = False  # reports come with their Observations (_include)


class HealthClient(PlatformClient):
    """The platform operations our services use."""

    attempts = 3
    backoff = 0.1  # seconds before the first retry; doubled each time, with jitter

    async def find_patient(self, id_type: IdType, id_number: str) -> str | None:
        """Patient search (POST /fhir/r4/Patient/_search): the platform's id for this person.

        A form-encoded POST keeps the ID number out of URLs, which gateways log.
        """
        form = urlencode({"identifier": f"{IDENTIFIER_SYSTEMS[id_type]}|{id_number}"})
        bundle = await self._read(
            Bundle, "patient.search", "POST", "/Patient/_search", form.encode()
        )
        ids = [e.resource.id for e in bundle.entry or [] if e.resource is not None]
        return next((str(i) for i in ids if i), None)

    async def hospitals(self) -> Bundle:
        """Organization search (GET /fhir/r4/Organization?type=prov): the hospitals it covers."""
        return await self._read(Bundle, "organization.search", "GET", "/Organization?type=prov")

    async def records(self, patient: str, kind: RecordKind | None, query: Query) -> Page:
        """Encounter / DiagnosticReport search (or both, a ``_type`` search), newest first."""
        params = [("patient", patient), ("_sort", "-date"), ("_count", str(query.count))]
        params += [("date", f"ge{query.since.isoformat()}")] if query.since else []
        params += [("date", f"le{query.until.isoformat()}")] if query.until else []
        if query.hospital and kind in ("visit", None):
            params.append(("service-provider", f"Organization/{query.hospital}"))
        if query.hospital and kind != "visit":
            params.append(("performer", f"Organization/{query.hospital}"))
        if kind == "visit":
            path = "/Encounter"
        elif kind is None:
            path, params = "", [("_type", "Encounter,DiagnosticReport"), *params]
        else:
            path = "/DiagnosticReport"
            params.append(("category", f"{CATEGORY_SYSTEM}|{CATEGORIES[kind]}"))
        if query.with_results and kind != "visit":
            params.append(("_include", "DiagnosticReport:result"))
        return await self.page(f"{path}?{urlencode(params)}")

    async def record(self, patient: str, resource_type: str, resource_id: str) -> Bundle:
        """One Encounter or DiagnosticReport of this patient with what belongs to it.

        A report comes with its results (``_include``) and report files (``_revinclude``
        DocumentReference); a visit with its reports. An empty bundle: no such record.
        """
        params = [("_id", resource_id), ("patient", patient)]
        if resource_type == "DiagnosticReport":
            params += [
                ("_include", "DiagnosticReport:result"),
                ("_revinclude", "DocumentReference:related"),
            ]
        else:
            params.append(("_revinclude", "DiagnosticReport:encounter"))
        path = f"/{resource_type}?{urlencode(params)}"
        return await self._read(Bundle, f"{resource_type.lower()}.read", "GET", path)

    async def page(self, path: str) -> Page:
        """A search page by its path under the FHIR base (a ``next`` link of an earlier page)."""
        bundle = await self._read(Bundle, "search", "GET", path)
        return Page(bundle, self._next(bundle))

    @asynccontextmanager
    async def binary(self, path: str) -> AsyncIterator[BinaryStream]:
        """Binary read (GET /fhir/r4/Binary/{id}) in its native type, to be streamed on."""
        if not path.startswith("Binary/") or "?" in path:
            raise PlatformUnavailable(self.platform.name, "document link is not a Binary")
        with self.observed("binary.read"):
            response = await self._send("GET", "/" + path, None, accept="application/pdf")
        try:
            yield BinaryStream(
                response.content_type, response.content_length, self._chunks(response)
            )
        finally:
            response.release()

    async def _chunks(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.content.iter_chunked(64 * 1024):
                yield chunk
        except (aiohttp.ClientError, TimeoutError):
            raise PlatformUnavailable(self.platform.name, "document cut short") from None

    def _next(self, bundle: Bundle) -> str | None:
        link = next((ln.url for ln in bundle.link or [] if ln.relation == "next"), None)
        if link is None:
            return None
        # Only follow links into the platform's own FHIR base: never a URL it hands us.
        base = self.platform.base_url + BASE_PATH
        if not str(link).startswith(base + "/") and not str(link).startswith(base + "?"):
            raise PlatformUnavailable(self.platform.name, "next link leaves the FHIR base")
        return str(link)[len(base) :]

    async def _read(
        self, model: type[_Model], operation: str, method: str, path: str, body: bytes = b""
    ) -> _Model:
        with self.observed(operation):
            response = await self._send(method, path, body or None)
            try:
                raw = await response.read()
            except (aiohttp.ClientError, TimeoutError):
                raise PlatformUnavailable(self.platform.name, "answer cut short") from None
            finally:
                response.release()
            try:
                return model.model_validate_json(raw)
            except ValidationError:
                # Not the message: it would quote medical content from the answer.
                raise HealthServerError(
                    self.platform.name, f"answer is not a valid FHIR {model.__name__}"
                ) from None

    async def _send(
        self, method: str, path: str, body: bytes | None, accept: str = FHIR_JSON
    ) -> aiohttp.ClientResponse:
        """A 200 response, after retries; errors raised as HealthError or PlatformUnavailable."""
        deadline = time.monotonic() + 2 * self.platform.timeout
        for attempt in range(1, self.attempts + 1):
            try:
                return await self._attempt(method, path, body, accept, deadline)
            except PlatformUnavailable as exc:
                delay = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())  # noqa: S311
                if attempt == self.attempts or time.monotonic() + delay >= deadline - 0.05:
                    raise
                log.info("health %s retry %s after %s", path.split("?")[0], attempt, exc.reason)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, method: str, path: str, body: bytes | None, accept: str, deadline: float
    ) -> aiohttp.ClientResponse:
        name = self.platform.name
        url = URL(self.platform.base_url + BASE_PATH + path, encoded=True)
        headers = signed_headers(self.platform, method, url.raw_path_qs, body or b"")
        headers["Accept"] = accept
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        remaining = max(0.05, min(self.platform.timeout, deadline - time.monotonic()))
        try:
            response = await self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=remaining, sock_read=remaining
                ),
            )
        except TimeoutError:
            raise PlatformUnavailable(name, f"no answer within {remaining:.1f} s") from None
        except aiohttp.ClientError as exc:
            raise PlatformUnavailable(name, f"transport error {type(exc).__name__}") from None
        if response.status == 200:
            return response
        raw = await response.read()
        response.release()
        if response.status == 500:
            raise HealthServerError(name, "HTTP 500")
        if response.status in _RETRY_STATUSES:
            raise PlatformUnavailable(name, f"HTTP {response.status}")
        raise _outcome_error(name, response.status, raw)


def _outcome_error(name: str, status: int, raw: bytes) -> Exception:
    try:
        outcome = OperationOutcome.model_validate(json.loads(raw))
    except (ValueError, ValidationError):
        return PlatformUnavailable(name, f"HTTP {status} without an OperationOutcome")
    issue = outcome.issue[0]
    text = issue.details.text if issue.details is not None and issue.details.text else ""
    return HealthError(name, status, str(issue.code), str(issue.diagnostics or text))
