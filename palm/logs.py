"""JSON logs with the request id on each line; personal numbers and tokens masked everywhere."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
import time
import weakref
from typing import Any, TextIO

from services.privacy import mask_text

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_STD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_NOT_EXTRA = _STD_ATTRS | {"request_id"}

# What every masking pattern needs at least (services.privacy.mask_text): an ID number or a
# phone holds 11 digits in a row, a token follows one of these words (matched there ignoring
# case; casefold() maps at least as many letters together). A line without any of them is
# left as it is without running the four patterns: most lines, the access log's among them.
_DIGITS = re.compile(r"\d{11}")
_WORDS = ("bearer", "token", "secret")


def _mask(text: str) -> str:
    if _DIGITS.search(text) is None:
        folded = text.casefold()
        if not any(word in folded for word in _WORDS):
            return text
    return mask_text(text)


class MaskingFilter(logging.Filter):
    """Render the message once, masked; attach the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _mask(record.exc_text)
        record.request_id = request_id_var.get()
        return True


_PLAIN = (int, float, bool, type(None))
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    _second = -1
    _prefix = ""

    def _ts(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond, the date and time part made once a second."""
        second = int(created)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self._ts(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _NOT_EXTRA and not key.startswith("_"):
                entry[key] = value if isinstance(value, _PLAIN) else str(value)
        if request_id := getattr(record, "request_id", None):
            entry["request_id"] = request_id
        if record.exc_text:
            entry["exc"] = record.exc_text
        return _mask(_encode(entry))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()}"
        line = f"{line} [{rid}]" if rid else line
        return _mask(f"{line}\n{record.exc_text}" if record.exc_text else line)


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """Lines gathered and written together: at most ``flush_seconds`` after the first of them,
    at once when 64 KiB are waiting, and at once for a warning or worse (with everything before
    it, so the order holds). One write per request costs a server about a tenth of its time;
    nginx's ``access_log … buffer= flush=`` makes the same trade. What a killed process (SIGKILL)
    had not yet written is lost; an orderly stop (``logging.shutdown`` at exit) writes it.
    """

    _LIMIT = 64 * 1024

    def __init__(self, stream: TextIO, flush_seconds: float) -> None:
        super().__init__(stream)
        self._lines: list[str] = []
        self._size = 0
        self._wake = threading.Event()
        ref = weakref.ref(self)
        self._flusher = threading.Thread(
            target=_flush_every, args=(ref, self._wake, flush_seconds), name="palm-log-flush",
            daemon=True,
        )  # fmt: skip
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._lines.append(line)  # emit runs under the handler's lock (Handler.handle)
        self._size += len(line)
        if record.levelno >= logging.WARNING or self._size >= self._LIMIT:
            self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            if self._lines:
                text, self._lines, self._size = "".join(self._lines), [], 0
                try:
                    self.stream.write(text)
                except Exception:  # a closed or full stream must not take the server down
                    return
            super().flush()

    def write_line(self, line: str) -> None:
        """Add a line formatted already (``access``), as ``emit`` adds a record's."""
        with self.lock:  # type: ignore[union-attr]
            self._lines.append(line)
            self._size += len(line)
            if self._size >= self._LIMIT:
                self.flush()

    def close(self) -> None:
        self.flush()
        self._wake.set()
        super().close()


def _flush_every(
    ref: weakref.ReferenceType[BufferedStreamHandler], stop: threading.Event, seconds: float
) -> None:
    while not stop.wait(seconds):
        handler = ref()
        if handler is None:
            return
        handler.flush()
        del handler


_http = logging.getLogger("palm.http")
_access_to: BufferedStreamHandler | None = None  # where access lines go straight, when JSON
_access_ts = JsonFormatter()


def access(method: str, route: str, status: int, ms: float, request_id: str) -> None:
    """The access log's line for one request: ``palm.http`` at INFO.

    Every request writes one, so where the lines are JSON and buffered it is built here
    directly, the same line the logging machinery would make, at a tenth of its cost: each
    part is plain ASCII by construction (an HTTP method is a token, the route a template of
    our own, the request id checked by the middleware), so only the id can need masking.
    """
    if not _http.isEnabledFor(logging.INFO):
        return
    target = _access_to
    if target is None or not _http.propagate or _http.handlers:
        _http.info(
            "%s %s %s %.1fms", method, route, status, ms,
            extra={"status": status, "duration_ms": round(ms, 2)},
        )  # fmt: skip
        return
    if _DIGITS.search(request_id) is not None:
        request_id = mask_text(request_id)
    target.write_line(
        f'{{"ts": "{_access_ts._ts(time.time())}", "level": "info", "logger": "palm.http", '
        f'"msg": "{method} {route} {status} {ms:.1f}ms", "status": {status}, '
        f'"duration_ms": {round(ms, 2)}, "request_id": "{request_id}"}}\n'
    )


def configure_logging(
    level: str = "INFO", json_lines: bool = True, flush_seconds: float = 0.0
) -> None:
    """Install one stderr handler on the root logger (idempotent); with ``flush_seconds``,
    lines are buffered up to that long (``BufferedStreamHandler``)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_palm", False):
            root.removeHandler(old)
            old.close()
    handler: logging.Handler = (
        BufferedStreamHandler(sys.stderr, flush_seconds)
        if flush_seconds > 0
        else logging.StreamHandler(sys.stderr)
    )
    handler._palm = True  # type: ignore[attr-defined]
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root.addHandler(handler)
    global _access_to
    # Straight to the handler only where it is the one place lines go: any other handler on
    # the root (a test's, a collector's) must see every record.
    only = json_lines and len(root.handlers) == 1
    _access_to = handler if only and isinstance(handler, BufferedStreamHandler) else None
    root.setLevel(level)
    # None of our formatters prints the caller's file and line, the thread or the process:
    # skip working them out for every record (the logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
