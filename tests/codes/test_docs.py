"""docs/codes.md's worked examples are real codes: they parse, verify and match their tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codes import text
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.keyring import Keyring, KeyStatus, PublicKey
from codes.signing import Algorithm, load_signer
from codes.verify import verify_code

DOC = (Path(__file__).parents[2] / "docs" / "codes.md").read_text()
BLOCKS = re.findall(r"```\n([0-9A-Za-z $%*+\-./:]+)\n```", DOC)
ISSUER_KEY, ONLINE_HEX, ONLINE_TEXT, OFFLINE_HEX = BLOCKS[:4]
NEW_YEAR = 1_767_225_600


@pytest.fixture
def keyring() -> Keyring:
    public = bytes.fromhex(ISSUER_KEY)
    assert load_signer(Algorithm.P256, bytes(range(1, 33))).public_bytes() == public
    return Keyring([PublicKey(7, Algorithm.P256, public, KeyStatus.ACTIVE)])


def test_online_example(keyring: Keyring) -> None:
    code = bytes.fromhex(ONLINE_HEX)
    assert text.encode(code) == ONLINE_TEXT
    verified = verify_code(code, keyring, purpose=Purpose.RIDE, now=NEW_YEAR)
    assert verified.subject == Subject.parse("0b6f3c1e-5a7d-4e2b-9c41-3d8a6f0e2b17")
    assert (verified.kid, verified.issued_at, verified.validity) == (7, NEW_YEAR, 60)
    assert (verified.nonce, verified.attributes.group) == (0x5EED0001, 2)
    verify_code(code, keyring, purpose=Purpose.RIDE, now=NEW_YEAR - 15)
    verify_code(code, keyring, purpose=Purpose.RIDE, now=NEW_YEAR + 74)
    with pytest.raises(CodeRejected, match="expired"):
        verify_code(code, keyring, purpose=Purpose.RIDE, now=NEW_YEAR + 75)


def test_offline_example(keyring: Keyring) -> None:
    code = bytes.fromhex(OFFLINE_HEX)
    assert len(code) == 206
    assert len(text.encode(code)) == 309
    verified = verify_code(code, keyring, purpose=Purpose.RIDE, now=NEW_YEAR + 30)
    assert verified.certificate is not None
    assert (
        verified.certificate.public_key
        == load_signer(Algorithm.P256, bytes(range(33, 65))).public_bytes()
    )
    assert (verified.certificate.expires_at, verified.certificate.spend_limit_fen) == (
        NEW_YEAR + 3 * 86400,
        5000,
    )
    assert (verified.issued_at, verified.nonce, verified.attributes.group) == (NEW_YEAR + 30, 1, 2)


def test_table_rows_match_the_bytes() -> None:
    """Every `| a–b | `hex` |` row of both tables is the slice of its example at those offsets."""
    for title, example in (
        ("### Online ride code", ONLINE_HEX),
        ("### Offline ride code", OFFLINE_HEX),
    ):
        section = DOC.split(title, 1)[1].split("###", 1)[0]
        code = bytes.fromhex(example)
        rows = re.findall(r"^\| (\d+)(?:–(\d+))? \| `([0-9a-f]+)` \|", section, re.M)
        assert rows, title
        covered = 0
        for start, end, value in rows:
            assert code[int(start) : int(end or start) + 1].hex() == value, (title, start)
            covered += len(value) // 2
        assert covered == len(code), title
