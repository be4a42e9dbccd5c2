"""Log lines are JSON, carry the request id, and never show personal numbers or tokens."""

from __future__ import annotations

import json
import logging

import pytest

from palm.logs import configure_logging, request_id_var


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
