"""Async clients over an injected ``ClientSession``: transport, envelope, metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError
from yarl import URL

from integrations.base import (
    NULL_OBSERVER,
    OutboundObserver,
    Platform,
    PlatformError,
    PlatformUnavailable,
)
from integrations.signing import signed_headers

log = logging.getLogger(__name__)
_Model = TypeVar("_Model", bound=BaseModel)


class PlatformClient:
    """What every adapter shares: per-call timeout, unreadable answers mapped, calls observed."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        platform: Platform,
        observer: OutboundObserver = NULL_OBSERVER,
    ) -> None:
        self.session = session
        self.platform = platform
        self.observer = observer

    @contextmanager
    def observed(self, operation: str) -> Iterator[None]:
        """Report one call of ``operation`` to the observer, classified by how it ended."""
        started = time.perf_counter()
        try:
            yield
        except PlatformError as exc:
            log.info("%s %s: business error %s", self.platform.name, operation, exc.code)
            self._record(operation, "business_error", started)
            raise
        except PlatformUnavailable as exc:
            log.warning("%s %s unavailable: %s", self.platform.name, operation, exc.reason)
            self._record(operation, "unavailable", started)
            raise
        self._record(operation, "ok", started)

    def _record(self, operation: str, outcome: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.observer.observe(self.platform.name, operation, outcome, elapsed)

    async def fetch_json(
        self,
        method: str,
        url: URL,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and decode the JSON answer; anything else is ``PlatformUnavailable``."""
        name = self.platform.name
        timeout = aiohttp.ClientTimeout(total=self.platform.timeout)
        try:
            async with self.session.request(
                method, url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                status, raw = response.status, await response.read()
        except TimeoutError:
            raise PlatformUnavailable(
                name, f"no answer within {self.platform.timeout:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            # Only the class name: some platforms (WeChat) put secrets in the query string,
            # and aiohttp's messages can quote the URL. `from None` keeps it out of tracebacks.
            raise PlatformUnavailable(name, f"transport error {type(exc).__name__}") from None
        if status != 200:
            # These platforms report business errors on HTTP 200; anything else means the
            # request never reached the API (gateway error, overload, wrong path).
            raise PlatformUnavailable(name, f"HTTP {status}")
        try:
            return json.loads(raw)
        except ValueError:
            raise PlatformUnavailable(name, "answer is not JSON") from None


class SignedPlatformClient(PlatformClient):
    """Client of a government-style platform: signed JSON requests, ``{code, message, data}``."""

    async def call(
        self, operation: str, method: str, path: str, payload: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call ``operation`` at ``path`` and return the envelope's ``data``."""
        with self.observed(operation):
            return await self._exchange(method, path, payload)

    async def call_as(
        self,
        model: type[_Model],
        operation: str,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
    ) -> _Model:
        """Like ``call``, reading ``data`` as ``model``; data that does not fit is unavailable."""
        with self.observed(operation):
            return parse_model(
                self.platform.name, model, await self._exchange(method, path, payload)
            )

    async def _exchange(
        self, method: str, path: str, payload: dict[str, Any] | None
    ) -> dict[str, Any]:
        url = URL(self.platform.base_url + path)
        body = b"" if payload is None else json_body(payload)
        # Sign exactly what goes on the wire: the encoded path and query aiohttp will send.
        headers = signed_headers(self.platform, method, url.raw_path_qs, body)
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        answer = await self.fetch_json(method, url, body=body or None, headers=headers)
        return self._unwrap(answer)

    def _unwrap(self, answer: Any) -> dict[str, Any]:
        name = self.platform.name
        if not isinstance(answer, dict):
            raise PlatformUnavailable(name, "answer is not an envelope")
        code, message = answer.get("code"), answer.get("message")
        if type(code) is not int or not isinstance(message, str):
            raise PlatformUnavailable(name, "answer is not an envelope")
        if code != 0:
            raise PlatformError(name, code, message)
        data = answer.get("data")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise PlatformUnavailable(name, "envelope data is not an object")
        return data


def parse_model(platform: str, model: type[_Model], data: Any) -> _Model:
    """Read a platform's answer as ``model``; one that does not fit is ``PlatformUnavailable``."""
    try:
        return model.model_validate(data)
    except ValidationError:
        # Not the message: it quotes the answer, which can hold a session key or a token.
        raise PlatformUnavailable(platform, f"answer does not fit {model.__name__}") from None


def json_body(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as sent in request bodies."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
