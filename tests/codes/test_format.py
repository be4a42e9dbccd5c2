"""The binary layout and its text form: fields land where docs/codes.md says."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import pytest

from codes import text
from codes.device import Device
from codes.errors import CodeRejected
from codes.fields import Attributes, Group, Purpose, Subject, Tier, decode_attributes
from codes.format import parse, parse_certificate
from codes.issue import Issuer, issue_code
from codes.signing import Algorithm


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
        (b"\xff\xff", "FGW"),
    ],
)
def test_base45_matches_rfc_9285(raw: bytes, encoded: str) -> None:
    assert text.encode(raw) == encoded
    assert text.decode(encoded) == raw


def test_base45_round_trips_every_length() -> None:
    for size in range(260):
        data = os.urandom(size)
        assert text.decode(text.encode(data)) == data
        assert set(text.encode(data)) <= set(text.ALPHABET)


@pytest.mark.parametrize("bad", ["GGW", "A", "ABCD", "::", "ab", "é00"])
def test_base45_refuses_invalid_text(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (the message varies by cause)
        text.decode(bad)


def test_subject_text_forms() -> None:
    card = uuid.uuid4()
    assert Subject.parse(str(card)) == Subject.from_uuid(card)
    assert Subject.from_uuid(card).text == str(card)
    assert Subject.parse("4200001234").text == "4200001234"
    assert Subject.parse("4200001234").encoded == b"\x02" + (4200001234).to_bytes(8, "big")
    with pytest.raises(ValueError, match="64-bit"):
        Subject.from_number(1 << 64)


def test_attributes_round_trip_and_skip_unknown_tags() -> None:
    attrs = Attributes(tier=Tier.GOLD, group=Group.STUDENT, scene=70001)
    assert attrs.block == bytes.fromhex("0c010101020104030400011171")
    assert decode_attributes(attrs.block[1:]) == attrs
    assert decode_attributes(b"\x09\x02ab" + attrs.block[1:]) == attrs  # tag 9: future use
    assert Attributes().block == b"\x00"


@pytest.mark.parametrize(
    "entries",
    [b"\x01", b"\x01\x02\x01", b"\x01\x01\x01\x01\x01\x02", b"\x03\x02\x00\x01"],
    ids=["truncated-header", "truncated-value", "duplicate-tag", "wrong-size"],
)
def test_attributes_refuse_bad_entries(entries: bytes) -> None:
    with pytest.raises(ValueError, match="attribute"):
        decode_attributes(entries)


def test_online_layout_offsets(issuer: Issuer, subject: Subject, now: int) -> None:
    attrs = Attributes(group=Group.SENIOR_HALF)
    code = issue_code(issuer, Purpose.RIDE, subject, now=now, attributes=attrs, nonce=0xA1B2C3D4)
    assert len(code) == 100
    assert code[:5] == bytes.fromhex("0101000007")  # version 1, ride, online, kid 7
    assert code[5:22] == subject.encoded
    assert code[22:26] == bytes.fromhex("03020101")
    assert code[26:36] == now.to_bytes(4, "big") + bytes.fromhex("003ca1b2c3d4")
    layout = parse(code)
    assert (layout.purpose, layout.kid, layout.subject) == (1, 7, subject.encoded)
    assert (layout.issued_at, layout.validity, layout.nonce) == (now, 60, 0xA1B2C3D4)
    assert (layout.cert_end, layout.body_end) == (0, 36)


def test_certificate_names_its_key(phone: Device) -> None:
    assert phone.certificate is not None
    assert parse_certificate(phone.certificate) == (Algorithm.P256, phone.public_key)
    with pytest.raises(CodeRejected, match="malformed"):
        parse_certificate(phone.certificate[:-1])


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda c: c[:-1], "truncated"),
        (lambda c: c + b"\0", "trailing byte"),
        (lambda c: b"\x02" + c[1:], "future version"),
        (lambda c: c[:1] + b"\x09" + c[2:], "unknown purpose"),
        (lambda c: c[:2] + b"\x04" + c[3:], "unknown flag"),
        (lambda c: c[:5] + b"\x07" + c[6:], "unknown subject kind"),
        (lambda c: b"", "empty"),
    ],
)
def test_structural_damage_is_malformed(
    issuer: Issuer, subject: Subject, now: int, mutate: Callable[[bytes], bytes], why: str
) -> None:
    code = issue_code(issuer, Purpose.RIDE, subject, now=now)
    with pytest.raises(CodeRejected) as caught:
        parse(mutate(code))
    assert caught.value.reason == "malformed", why
