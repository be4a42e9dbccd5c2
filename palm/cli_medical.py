"""``palm audit verify``: check the medical access log's hash chain end to end."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from palm import storage
from palm.settings import Settings
from services.medical.accesslog import ChainReport, verify_chain
from services.privacy import FieldCipher


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audit verify`` to the ``palm`` command."""
    audit = subparsers.add_parser("audit", help="check the medical access log")
    actions = audit.add_subparsers(required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify", help="recompute the hash chain; exit 1 naming any edited or deleted entry"
    )
    verify.add_argument("--json", action="store_true", help="one JSON document")
    verify.set_defaults(func=_verify)


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> ChainReport:
        async with storage.for_command(settings):
            return await verify_chain(FieldCipher(settings.secret_keys))

    report = asyncio.run(run())
    if args.json:
        print(
            json.dumps(
                {
                    "intact": report.intact,
                    "entries": report.entries,
                    "head": {"seq": report.head_seq, "hash": report.head_hash},
                    "problems": report.problems,
                }
            )
        )
    elif report.intact:
        print(f"access log intact: {report.entries} entries, head {report.head_hash}")
    else:
        for problem in report.problems:
            print(f"palm audit verify: {problem}", file=sys.stderr)
        print(
            f"access log BROKEN: {len(report.problems)} problem(s) in {report.entries} entries",
            file=sys.stderr,
        )
    return 0 if report.intact else 1
