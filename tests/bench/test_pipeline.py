"""The pipeline bench's parsing, row selection, verdicts and request factories (nothing timed)."""

from __future__ import annotations

import base64
import json
import re
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench import _rows, load, pipeline
from bot.crypto import Envelope, check_signature
from services.identity import devices

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:1234/api/v1/me
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    60.01ms   10.00ms 500.00ms   90.00%
  Latency Distribution
     50%   55.00ms
     75%   60.00ms
     90%   70.00ms
     99%    1.20s
  9000 requests in 10.00s, 2.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    900.50
Transfer/sec:    204.80KB
"""


def test_wrk_output_gives_rate_p99_and_every_error() -> None:
    figure = pipeline.parse_wrk(WRK_OUTPUT)
    assert figure.per_second == 900.5
    assert figure.p99_ms == 1200.0
    assert figure.errors == 13
    assert figure.detail == "7 >= 400, read 2, write 1, timeout 3"


def test_wrk_output_without_figures_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not understood"):
        pipeline.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_rows_selects_named_rows_in_table_order() -> None:
    assert [r.key for r in _rows.select(None)] == [r.key for r in _rows.ROWS]
    assert [r.key for r in _rows.select("me, healthz")] == ["healthz", "me"]
    assert [r.key for r in _rows.select("ride-w2")] == ["ride", "ride-w2"]
    with pytest.raises(ValueError, match="unknown row"):
        _rows.select("healthz,nope")


def _figure(per_second: float, p99: float = 10.0, errors: int = 0) -> pipeline.Figure:
    return pipeline.Figure(per_second, p99, errors, seconds=2.0, requests=int(per_second * 2))


def test_verdicts_name_each_missed_target() -> None:
    rows = {r.key: r for r in _rows.ROWS}
    hello = _figure(10_000)
    ok = pipeline.judge(rows["me"], _figure(4_000), hello, None, None)
    assert (ok.value, ok.gaps) == ("0.40", [])
    slow = pipeline.judge(rows["me"], _figure(1_000, p99=80, errors=2), hello, None, None)
    assert slow.gaps == ["< 0.30", "p99 >= 50 ms", "2 errors"]
    taps = pipeline.judge(rows["taps"], _figure(20, p99=900), hello, None, None)
    assert taps.value == "20,000/s"
    assert taps.gaps == ["< 50,000/s"]
    two = pipeline.judge(rows["ride-w2"], _figure(6_000), hello, None, _figure(4_000))
    assert two.gaps == ["1.50x 1 worker < 1.7"]
    bound = pipeline.judge(rows["waiver"], _figure(3_000), hello, _figure(5_000), None)
    assert "client-bound?" in bound.gaps
    assert bound.note == "6000 in 2.0 s"


def test_own_client_refusals_count_as_errors() -> None:
    result = load.Result(2.0, [0.01, 0.02, 0.03], Counter({201: 2, 409: 1}), errors=1)
    figure = pipeline.figure_of(result)
    assert (figure.per_second, figure.errors, figure.requests) == (1.5, 2, 3)
    assert figure.detail == "1 x 409, 1 without an answer"


def test_wechat_pushes_are_signed_sealed_and_each_unique() -> None:
    account = _rows.WeChatAccount("bench-token", base64.b64encode(b"k" * 32).decode()[:43], "wx1")
    now = int(time.time())
    first = _rows.text_push(account, "openid-1", "65周岁坐公交要钱吗", 41, now)
    second = _rows.text_push(account, "openid-1", "65周岁坐公交要钱吗", 42, now)
    assert first.path != second.path
    for push, msg_id in ((first, 41), (second, 42)):
        query = {k: v[0] for k, v in parse_qs(urlsplit(push.path).query).items()}
        assert push.body is not None
        sealed = re.search(r"<Encrypt><!\[CDATA\[(.+?)\]\]>", push.body.decode())
        assert sealed is not None
        ts, nonce = query["timestamp"], query["nonce"]
        check_signature(account.token, ts, nonce, query["signature"], now=now, max_age=300)
        check_signature(account.token, ts, nonce, query["msg_signature"], sealed.group(1),
                        now=now, max_age=300)  # fmt: skip
        inner = Envelope(account.token, account.aes_key, account.app_id).open(sealed.group(1))
        assert f"<MsgId>{msg_id}</MsgId>" in inner
        assert "65周岁坐公交要钱吗" in inner


def test_tap_batches_hold_a_thousand_unique_taps_and_a_valid_signature() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    one = _rows.tap_batch(key, "CODE", "run:1", "2026-12-03T00:00:00+00:00")
    two = _rows.tap_batch(key, "CODE", "run:2", "2026-12-03T00:00:00+00:00")
    assert one.body is not None
    assert two.body is not None
    ids = [t["tap_id"] for b in (one.body, two.body) for t in json.loads(b)["taps"]]
    assert len(ids) == len(set(ids)) == 2 * _rows.TAPS_PER_BATCH
    assert one.headers["X-Nonce"] != two.headers["X-Nonce"]
    h = one.headers
    message = devices.canonical(h["X-Device-Id"], h["X-Timestamp"], h["X-Nonce"], "POST",
                                "/api/v1/devices/taps", one.body)  # fmt: skip
    signature = base64.b64decode(h["X-Device-Signature"])
    key.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))


def test_scans_carry_their_code_and_a_distinct_reference() -> None:
    headers = {"Authorization": "Bearer x"}
    waiver = _rows.waiver_request("CODE1", headers, "bench-1")
    assert waiver.body is not None
    assert json.loads(waiver.body) == {"code": "CODE1", "scene": "library", "amount": 1,
                                       "reference": "bench-1"}  # fmt: skip
    redeem = _rows.redemption_request("CODE2", headers)
    assert redeem.body is not None
    assert json.loads(redeem.body) == {"code": "CODE2", "benefit": _rows.BENCH_BENEFIT}
