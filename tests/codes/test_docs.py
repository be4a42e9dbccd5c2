"""docs/codes.md's examples run: the codes verify and match their tables, the validator works."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from codes import text
from codes.document import sign_document
from codes.errors import MESSAGES, CodeRejected
from codes.fields import Purpose, Subject
from codes.issue import Issuer
from codes.keyring import Keyring, KeyStatus, PublicKey, Revocation
from codes.signing import Algorithm, load_signer
from codes.verify import verify_code

DOC = (Path(__file__).parents[2] / "docs" / "codes.md").read_text()
BLOCKS = re.findall(r"```\n([0-9A-Za-z $%*+\-./:]+)\n```", DOC)
ISSUER_KEY, ONLINE_HEX, ONLINE_TEXT, OFFLINE_HEX = BLOCKS[:4]
NEW_YEAR = 1_767_225_600
EMBEDDING = re.findall(
    r"```python\n(.*?)```", DOC.split("## Embedding the verifier", 1)[1].split("\n## ", 1)[0], re.S
)


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


def test_embedding_example_runs_a_validator() -> None:
    """The example, run as written, against the worked example's key and code."""
    (source,) = EMBEDDING
    example: dict[str, Any] = {}
    exec(compile(source, "docs/codes.md", "exec"), example)  # noqa: S102 (our own document)
    issuer = Issuer(7, load_signer(Algorithm.P256, bytes(range(1, 33))))
    public = PublicKey(7, Algorithm.P256, issuer.signer.public_bytes(), KeyStatus.ACTIVE)
    first = sign_document(Keyring([public], version=1), [issuer], issued_at=NEW_YEAR)
    validator = example["provision"](first.body)
    card = "0b6f3c1e-5a7d-4e2b-9c41-3d8a6f0e2b17"
    assert example["on_scan"](validator, ONLINE_TEXT, NEW_YEAR) == (True, card)
    assert example["on_scan"](validator, ONLINE_TEXT, NEW_YEAR + 1) == (
        False,
        MESSAGES["already_used"][0],
    )
    assert example["on_scan"](validator, "not base45!", NEW_YEAR) == (
        False,
        MESSAGES["malformed"][0],
    )
    # The card is suspended in the next keyring: once refreshed, the reader refuses it.
    revoked = Keyring([public], [Revocation(Subject.parse(card), Purpose.RIDE)], version=2)
    example["refresh"](validator, sign_document(revoked, [issuer], issued_at=NEW_YEAR).body)
    assert validator.keyring.version == 2
    assert example["on_scan"](validator, ONLINE_TEXT, NEW_YEAR) == (False, MESSAGES["revoked"][0])
    # A document signed by a key the reader does not trust is not taken.
    stranger = Issuer(7, load_signer(Algorithm.P256, bytes(range(2, 34))))
    with pytest.raises(ValueError, match="trusted"):
        example["refresh"](validator, sign_document(revoked, [stranger], issued_at=NEW_YEAR).body)
