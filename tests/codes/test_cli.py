"""``palm keys …`` and ``palm verify-code``: the operator's and the inspector's view."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from codes import qr, text
from codes.device import Device
from codes.document import sign_document
from codes.fields import Purpose, Subject
from codes.issue import Issuer, issue_code
from codes.keyring import Keyring
from palm.cli_codes import add_commands
from palm.settings import Settings


def run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="palm")
    add_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    return int(args.func(settings, args))


@pytest.fixture
def keyring_file(tmp_path: Path, keyring: Keyring, issuer: Issuer, now: int) -> Path:
    path = tmp_path / "keyring.json"
    path.write_bytes(sign_document(keyring, [issuer], issued_at=now).body)
    return path


def test_verify_code_from_a_photo(
    keyring_file: Path, phone: Device, now: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "code.png"
    image.write_bytes(qr.render_png(phone.make_code(now)))
    status = run(
        Settings(), "verify-code", str(image), "--keyring", str(keyring_file), "--now", str(now)
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert (result["valid"], result["mode"], result["purpose"]) == (True, "offline", "ride")
    assert result["certificate"]["spend_limit_fen"] == 5000


def test_verify_code_text_reports_the_reason(
    keyring_file: Path,
    issuer: Issuer,
    subject: Subject,
    now: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = text.encode(issue_code(issuer, Purpose.RIDE, subject, now=now))
    status = run(
        Settings(), "verify-code", code, "--keyring", str(keyring_file), "--now", str(now + 3600)
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert result["valid"] is False
    assert result["reason"] == "expired"
    assert result["message_zh"]
    assert result["message_en"]
    status = run(
        Settings(),
        "verify-code",
        code,
        "--keyring",
        str(keyring_file),
        "--now",
        str(now),
        "--purpose",
        "credit",
    )
    assert status == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "wrong_purpose"


def test_verify_code_with_unusable_input(
    keyring_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(Settings(), "verify-code", "not base45!", "--keyring", str(keyring_file)) == 2
    (tmp_path / "bad.json").write_text("{}")
    assert run(Settings(), "verify-code", "BB8", "--keyring", str(tmp_path / "bad.json")) == 2
    assert "malformed keyring" in capsys.readouterr().err


@pytest.fixture
def cli_db(settings: Settings) -> Iterator[Settings]:
    yield settings

    async def empty() -> None:
        from tortoise.context import TortoiseContext

        from models.codes import IssuerKey, KeyringVersion, RevocationEntry
        from palm import storage

        async with TortoiseContext() as ctx:
            await ctx.init(config=storage.tortoise_config(settings))
            for model in (IssuerKey, RevocationEntry, KeyringVersion):
                await model.all().delete()

    asyncio.run(empty())


def test_key_lifecycle_through_the_cli(
    cli_db: Settings, tmp_path: Path, subject: Subject, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(cli_db, "keys", "generate") == 0
    assert run(cli_db, "keys", "generate") == 1  # one active key: rotate instead
    assert "rotate it instead" in capsys.readouterr().err
    assert run(cli_db, "keys", "rotate", "--algorithm", "ed25519") == 0
    assert run(cli_db, "keys", "retire", "2") == 1  # the active key
    assert run(cli_db, "keys", "retire", "1") == 0
    capsys.readouterr()
    assert run(cli_db, "keys", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["kid"], k["algorithm"], k["status"]) for k in listed] == [
        (1, "p256", "retired"),
        (2, "ed25519", "active"),
    ]
    assert "private" not in json.dumps(listed)
    assert run(cli_db, "keys", "list") == 0
    assert "retired" in capsys.readouterr().out
    out = tmp_path / "keyring.json"
    assert run(cli_db, "keys", "export-public", "--output", str(out)) == 0
    assert run(cli_db, "verify-code", "BB8", "--keyring", str(out)) == 1  # parses the keyring
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["reason"] == "malformed"
