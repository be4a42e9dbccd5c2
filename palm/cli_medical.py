"""``palm audit``: check the medical access log's chains against the latest signed tree head,
seal the chains now, print the latest signed tree head."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palm import storage
from palm.settings import Settings
from services.errors import DomainError
from services.medical import audit, treehead
from services.medical.accesslog import patient_key
from services.privacy import FieldCipher

_KEY = re.compile(r"[0-9a-f]{64}")


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audit verify``, ``audit seal`` and ``audit tree-head`` to the ``palm`` command."""
    parser = subparsers.add_parser("audit", help="check and seal the medical access log")
    actions = parser.add_subparsers(required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="check chains against the latest signed tree head; exit 1 naming each problem",
    )
    which = verify.add_mutually_exclusive_group()
    which.add_argument("--patient", help="an ID number, or a patient key (64 hex digits)")
    which.add_argument("--all", action="store_true", help="every patient (the default)")
    verify.add_argument(
        "--head",
        type=Path,
        help="an exported tree head (JSON or JSON lines) kept outside the database; default "
        f"<data dir>/{treehead.EXPORT_DIR}/{treehead.LATEST_FILE} when it exists",
    )
    verify.add_argument("--json", action="store_true", help="one JSON document")
    verify.set_defaults(func=_verify)
    seal = actions.add_parser("seal", help="sign a tree head over every chain now and export it")
    seal.set_defaults(func=_seal)
    latest = actions.add_parser("tree-head", help="print the latest signed tree head (JSON)")
    latest.set_defaults(func=_tree_head)


def _trusted(settings: Settings, given: Path | None) -> treehead.SignedHead | None:
    path = given or settings.data_dir / treehead.EXPORT_DIR / treehead.LATEST_FILE
    if given is None and not path.exists():
        return None
    return treehead.read_exported(path)


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    cipher = FieldCipher(settings.secret_keys)
    try:
        trusted = _trusted(settings, args.head)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"palm audit verify: cannot read the exported tree head: {exc}", file=sys.stderr)
        return 2
    who = args.patient
    key = None if who is None else who if _KEY.fullmatch(who) else patient_key(cipher, who)

    async def run() -> audit.AuditReport:
        async with storage.for_command(settings):
            if key is None:
                return await audit.verify_all(cipher, trusted=trusted)
            return await audit.verify_patient(cipher, key, trusted=trusted)

    report = asyncio.run(run())
    tree = report.tree
    if args.json:
        print(
            json.dumps(
                {
                    "intact": report.intact,
                    "patients": report.patients,
                    "entries": report.entries,
                    "tree_head": tree.as_json() if tree else None,
                    "problems": report.problems,
                    "notes": report.notes,
                }
            )
        )
    elif report.intact:
        sealed = f"tree head {tree.tree_id} of {tree.signed_at:%Y-%m-%d %H:%M} UTC" if tree else ""
        print(
            f"access log intact: {report.patients} patient(s), {report.entries} entries"
            + (f", against signed {sealed}" if sealed else "")
        )
        for note in report.notes:
            print(f"note: {note}")
    else:
        for problem in report.problems:
            print(f"palm audit verify: {problem}", file=sys.stderr)
        print(
            f"access log BROKEN: {len(report.problems)} problem(s) in {report.patients}"
            f" patient(s), {report.entries} entries",
            file=sys.stderr,
        )
    return 0 if report.intact else 1


def _seal(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> treehead.Seal:
        async with storage.for_command(settings):
            cipher = FieldCipher(settings.secret_keys)
            return await treehead.seal(cipher, now=datetime.now(UTC), data_dir=settings.data_dir)

    try:
        done = asyncio.run(run())
    except DomainError as exc:
        print(f"palm audit seal: {exc.message_en}", file=sys.stderr)
        return 1
    for reason in done.kept:
        print(f"palm audit seal: kept an earlier leaf: {reason}", file=sys.stderr)
    _print(done.head.as_json() | {"moved": done.moved})
    return 1 if done.kept else 0


def _tree_head(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> treehead.SignedHead | None:
        async with storage.for_command(settings):
            return await treehead.latest()

    head = asyncio.run(run())
    if head is None:
        print("palm audit tree-head: no tree head signed yet", file=sys.stderr)
        return 1
    _print(head.as_json())
    return 0


def _print(document: dict[str, Any]) -> None:
    print(json.dumps(document, sort_keys=True, indent=2))
