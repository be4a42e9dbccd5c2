"""The shared signing scheme: round trip, and any changed field breaks the signature."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TypedDict, cast

import pytest

from integrations.base import Platform
from integrations.signing import sign, signed_headers, verify


class Fields(TypedDict):
    secret: str
    app_id: str
    timestamp: str
    nonce: str
    method: str
    path_qs: str
    body: bytes


FIELDS = Fields(
    secret="s3cret",
    app_id="palm-weihai",
    timestamp="1795000000",
    nonce="AbCdEfGhIjKlMnOpQrSt",
    method="POST",
    path_qs="/identity/v1/verify?lang=zh",
    body='{"certName":"于晓峰"}'.encode(),
)


def test_signature_is_hmac_sha256_of_the_canonical_string() -> None:
    body_hash = hashlib.sha256(FIELDS["body"]).hexdigest()
    lines = ["palm-weihai", "1795000000", "AbCdEfGhIjKlMnOpQrSt", "POST", FIELDS["path_qs"]]
    canonical = "\n".join([*lines, body_hash])
    expected = hmac.new(b"s3cret", canonical.encode(), hashlib.sha256).hexdigest()
    assert sign(**FIELDS) == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


def test_round_trip() -> None:
    assert verify(**FIELDS, signature=sign(**FIELDS))


def test_method_is_case_insensitive() -> None:
    lower: Fields = {**FIELDS, "method": "post"}
    assert sign(**lower) == sign(**FIELDS)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("secret", "s3cret!"),
        ("app_id", "palm-weihai2"),
        ("timestamp", "1795000001"),
        ("nonce", "AbCdEfGhIjKlMnOpQrSu"),
        ("method", "PUT"),
        ("path_qs", "/identity/v1/verify?lang=en"),
        ("body", '{"certName":"于晓锋"}'.encode()),
    ],
)
def test_any_tampered_field_fails(field: str, value: str | bytes) -> None:
    signature = sign(**FIELDS)
    tampered = cast(Fields, {**FIELDS, field: value})
    assert tampered != FIELDS
    assert not verify(**tampered, signature=signature)


@pytest.mark.parametrize("signature", ["", "0" * 64, "签名", "A" * 64])
def test_garbage_signature_fails_without_raising(signature: str) -> None:
    assert not verify(**FIELDS, signature=signature)


def test_signed_headers() -> None:
    platform = Platform("aishandong", "http://x", "palm-weihai", "s3cret")
    headers = signed_headers(platform, "POST", "/p?q=1", b"{}", now=1795000000.9)
    assert headers["X-App-Id"] == "palm-weihai"
    assert headers["X-Timestamp"] == "1795000000"
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", headers["X-Nonce"])
    assert verify(
        "s3cret", "palm-weihai", "1795000000", headers["X-Nonce"], "POST", "/p?q=1", b"{}",
        headers["X-Signature"],
    )  # fmt: skip


def test_signed_headers_use_a_fresh_nonce_each_time() -> None:
    platform = Platform("aishandong", "http://x", "palm-weihai", "s3cret")
    nonces = {signed_headers(platform, "GET", "/", b"")["X-Nonce"] for _ in range(50)}
    assert len(nonces) == 50
