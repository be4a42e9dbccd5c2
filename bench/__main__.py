"""Run every benchmark module in turn; each prints its own table and returns an exit status."""

from __future__ import annotations

import argparse
import importlib
import sys

MODULES = ("codes",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", metavar="MODULE", help=f"one of {', '.join(MODULES)}")
    parser.add_argument("--json", action="store_true", help="machine-readable results")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark module: {', '.join(sorted(unknown))}")
    status = 0
    for name in args.only or MODULES:
        module = importlib.import_module(f"bench.{name}")
        status |= module.main(json_output=args.json)
    return status


if __name__ == "__main__":
    sys.exit(main())
