"""Log lines are JSON, carry the request id, and never show personal numbers or tokens."""

from __future__ import annotations

import io
import json
import logging
import os
import time

import pytest

from palm.logs import BufferedStreamHandler, access, configure_logging, request_id_var
from palm.middlewares import new_request_id


def test_json_lines_masked_with_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_lines=True)
    token = request_id_var.set("req-abcdef12")
    try:
        logging.getLogger("palm.test").info(
            "resident %s phone %s token=%s",
            "371002199001011234",
            "13812345678",
            "AbCdEf0123456789",
            extra={"route": "/x"},
        )
    finally:
        request_id_var.reset(token)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["request_id"] == "req-abcdef12"
    assert entry["route"] == "/x"
    for secret in ("371002199001011234", "13812345678", "AbCdEf0123456789"):
        assert secret not in line
    assert "138****5678" in entry["msg"]


def test_exceptions_are_masked_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_lines=True)
    try:
        raise ValueError("bad id 37100219900101123X")
    except ValueError:
        logging.getLogger("palm.test").exception("failed")
    err = capsys.readouterr().err
    assert "37100219900101123X" not in err
    assert "ValueError" in err


def _buffered(flush_seconds: float) -> tuple[io.StringIO, logging.Logger, BufferedStreamHandler]:
    stream = io.StringIO()
    handler = BufferedStreamHandler(stream, flush_seconds)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"palm.test.buffered.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return stream, logger, handler


def test_buffered_lines_are_written_together_within_the_interval() -> None:
    stream, logger, handler = _buffered(0.05)
    try:
        logger.info("one")
        logger.info("two")
        assert stream.getvalue() == ""  # not one write per line
        for _ in range(100):
            if stream.getvalue():
                break
            time.sleep(0.01)
        assert stream.getvalue() == "INFO one\nINFO two\n"
    finally:
        handler.close()


def test_a_warning_is_written_at_once_after_what_came_before() -> None:
    stream, logger, handler = _buffered(60)
    try:
        logger.info("request")
        logger.warning("platform down")
        assert stream.getvalue() == "INFO request\nWARNING platform down\n"
        logger.info("later")
    finally:
        handler.close()  # an orderly stop writes what is left
    assert stream.getvalue().endswith("INFO later\n")


def test_request_ids_differ_across_processes_and_requests() -> None:
    first, second = new_request_id(), new_request_id()
    assert first != second
    assert len(first) == len(second) == 24
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a worker forked from this process
        os.write(writer, new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(reader, 64).decode()
    os.close(reader)
    os.close(writer)
    assert child[:16] != first[:16]  # the child drew its own prefix


def test_the_access_line_is_the_same_by_either_road(capsys: pytest.CaptureFixture[str]) -> None:
    """Straight to a buffered JSON handler, or through logging (any other set-up): one line."""
    lines = []
    root = logging.getLogger()
    saved = root.handlers[:]
    token = request_id_var.set("req-13812345678")  # as the middleware sets it
    try:
        for flush_seconds in (0.05, 0.0):
            root.handlers = []
            configure_logging("INFO", json_lines=True, flush_seconds=flush_seconds)
            access("GET", "/api/v1/me", 200, 1.23456, "req-13812345678")
            for handler in root.handlers:
                handler.flush()  # as an orderly stop does
            lines.append(json.loads(capsys.readouterr().err.strip().splitlines()[-1]))
    finally:
        root.handlers = saved
        request_id_var.reset(token)
    for line in lines:
        line.pop("ts")
    assert lines[0] == lines[1]
    assert lines[0] == {
        "level": "info", "logger": "palm.http", "msg": "GET /api/v1/me 200 1.2ms",
        "status": 200, "duration_ms": 1.23, "request_id": "req-138****5678",
    }  # fmt: skip
