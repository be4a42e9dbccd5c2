"""``palm keys generate|rotate|retire|list|export-public`` and ``palm verify-code``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from codes import text
from codes.document import KeyringDocument, open_document
from codes.errors import CodeRejected
from codes.fields import Purpose
from codes.signing import Algorithm
from codes.verify import DEFAULT_SKEW, verify_code
from palm import storage
from palm.settings import Settings
from services.codes import snapshot, store
from services.errors import DomainError
from services.privacy import FieldCipher

_ALGORITHMS = [a.label for a in Algorithm]


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``keys`` (with its actions) and ``verify-code`` to the ``palm`` command."""
    keys = subparsers.add_parser("keys", help="manage the issuer keys that sign codes")
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    for name, func, help_text in (
        ("generate", _generate, "create the first issuer key"),
        ("rotate", _rotate, "make a new active key; the old one verifies until retired"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--algorithm", choices=_ALGORITHMS, default="p256")
        action.set_defaults(func=func)
    retire = actions.add_parser("retire", help="stop accepting codes signed by a rotated key")
    retire.add_argument("kid", type=int)
    retire.set_defaults(func=_retire)
    listing = actions.add_parser("list", help="show every issuer key and its status")
    listing.add_argument("--json", action="store_true", help="one JSON document")
    listing.set_defaults(func=_list)
    export = actions.add_parser("export-public", help="write the signed keyring for validators")
    export.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=_export)

    verify = subparsers.add_parser("verify-code", help="verify a code (image or text); JSON out")
    verify.add_argument("code", metavar="FILE_OR_TEXT", help="PNG/JPEG file, or base45 text")
    verify.add_argument("--keyring", required=True, metavar="FILE", help="from export-public")
    verify.add_argument("--purpose", choices=[p.label for p in Purpose], default="ride")
    verify.add_argument("--now", type=int, help="epoch seconds to verify at (default: now)")
    verify.add_argument("--skew", type=int, default=DEFAULT_SKEW, help="clock skew allowed, s")
    verify.set_defaults(func=_verify_code)


def _with_db(settings: Settings, work: Callable[[FieldCipher], Awaitable[None]]) -> int:
    """Run ``work`` with the database open; domain errors become a message and exit 1."""

    async def run() -> None:
        async with storage.for_command(settings):
            await work(FieldCipher(settings.secret_keys))

    try:
        asyncio.run(run())
    except DomainError as exc:
        print(f"palm: {exc.detail}", file=sys.stderr)
        return 1
    return 0


def _generate(settings: Settings, args: argparse.Namespace) -> int:
    async def work(cipher: FieldCipher) -> None:
        key = await store.generate_key(cipher, Algorithm.from_label(args.algorithm))
        print(f"issuer key {key.kid} ({key.algorithm.value}) is active")

    return _with_db(settings, work)


def _rotate(settings: Settings, args: argparse.Namespace) -> int:
    async def work(cipher: FieldCipher) -> None:
        key = await store.rotate_key(cipher, Algorithm.from_label(args.algorithm))
        print(f"issuer key {key.kid} ({key.algorithm.value}) is active; older keys are retiring")

    return _with_db(settings, work)


def _retire(settings: Settings, args: argparse.Namespace) -> int:
    async def work(cipher: FieldCipher) -> None:
        key = await store.retire_key(args.kid)
        print(f"issuer key {key.kid} is {key.status.value}")

    return _with_db(settings, work)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(cipher: FieldCipher) -> None:
        rows = [
            {
                "kid": k.kid,
                "algorithm": k.algorithm.value,
                "status": k.status.value,
                "public_key": bytes(k.public_key).hex(),
                "created_at": k.created_at.isoformat(),
                "rotated_at": k.rotated_at.isoformat() if k.rotated_at else None,
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in await store.list_keys()
        ]
        if args.json:
            print(json.dumps(rows, indent=2))
            return
        print(f"{'kid':>5}  {'algorithm':9}  {'status':8}  {'created':16}  {'rotated':16}  retired")
        for row in rows:
            dates = [_short(row[name]) for name in ("created_at", "rotated_at", "retired_at")]
            print(
                f"{row['kid']:>5}  {row['algorithm']:9}  {row['status']:8}  "
                f"{dates[0]:16}  {dates[1]:16}  {dates[2]}"
            )

    return _with_db(settings, work)


def _short(iso: object) -> str:
    return str(iso)[:16].replace("T", " ") if iso else "-"


def _export(settings: Settings, args: argparse.Namespace) -> int:
    documents: list[KeyringDocument] = []

    async def work(cipher: FieldCipher) -> None:
        documents.append(await snapshot.keyring_document(cipher, now=int(time.time())))

    status = _with_db(settings, work)
    if status or not documents:
        return status or 1
    if args.output:
        Path(args.output).write_bytes(documents[0].body)
        print(f"keyring version {documents[0].version} written to {args.output}")
    else:
        sys.stdout.write(documents[0].body.decode() + "\n")
    return 0


def _verify_code(settings: Settings, args: argparse.Namespace) -> int:
    """Print the verification result as JSON; exit 0 if valid, 1 if refused, 2 if unusable."""
    try:
        keyring = open_document(Path(args.keyring).read_bytes())
        code = _read_code(args.code)
    except (OSError, ValueError) as exc:  # BadKeyring and QrError are ValueErrors
        print(f"palm: {exc}", file=sys.stderr)
        return 2
    now = int(time.time()) if args.now is None else args.now
    purpose = Purpose[args.purpose.upper()]
    try:
        verified = verify_code(code, keyring, purpose=purpose, now=now, skew=args.skew)
    except CodeRejected as exc:
        result = {
            "valid": False,
            "reason": exc.reason,
            "message_en": exc.message_en,
            "message_zh": exc.message_zh,
        }
        print(json.dumps(result, ensure_ascii=False))
        return 1
    print(json.dumps({"valid": True, **verified.as_dict()}, ensure_ascii=False))
    return 0


def _read_code(source: str) -> bytes:
    """A code from an image file, or from its base45 text."""
    path = Path(source)
    if path.is_file():
        from codes.qr import decode_image  # image libraries only when needed

        return decode_image(path.read_bytes())
    try:
        return text.decode(source)
    except ValueError:
        raise ValueError(f"{source!r} is neither a file nor a code's text") from None
