"""Run every benchmark module in turn; each prints its own table and returns an exit status.

A benchmark module is any module in bench/ with ``async def main(args)`` (it receives the
parsed arguments below) or a plain ``def main()`` (called with ``json_output=`` when it takes
it). ``--write`` also saves everything printed to bench/results/<date>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import io
import os
import pkgutil
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import bench

RESULTS = Path(__file__).resolve().parent / "results"
_HELPERS = {"load", "server", "hot"}  # shared by the benchmarks, not benchmarks themselves


def discover() -> dict[str, ModuleType | Exception]:
    """Benchmark modules by name, in name order; one that fails to import, as its error."""
    found: dict[str, ModuleType | Exception] = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in _HELPERS:
            continue
        try:
            module = importlib.import_module(f"bench.{info.name}")
        except Exception as exc:  # one broken module must not hide the others' figures
            found[info.name] = exc
            continue
        if callable(getattr(module, "main", None)):
            found[info.name] = module
    return found


def run_module(name: str, module: ModuleType | Exception, args: argparse.Namespace) -> int:
    if isinstance(module, Exception):
        print(f"{name}: not run: import failed: {type(module).__name__}: {module}")
        return 1
    main: Any = module.main
    if inspect.iscoroutinefunction(main):
        return int(asyncio.run(main(args)) or 0)
    if "json_output" in inspect.signature(main).parameters:
        return int(main(json_output=args.json) or 0)
    return int(main() or 0)


class _Tee(io.TextIOBase):
    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def write_results(text: str, argv: list[str], status: int) -> Path:
    """bench/results/<date>.md: the command, the machine and everything printed."""
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / f"{now:%Y-%m-%d}.md"
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    path.write_text(
        f"# Benchmarks, {now:%Y-%m-%d %H:%M} UTC\n\n"
        f"`python -m bench {' '.join(argv)}`; exit status {status}.\n"
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"load average at the end {load}.\n\n```\n{text.rstrip()}\n```\n",
        encoding="utf-8",
    )
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    modules = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", metavar="MODULE", help=f"any of {', '.join(modules)}")
    parser.add_argument("--json", action="store_true", help="machine-readable results")
    parser.add_argument("--write", action="store_true", help="save to bench/results/<date>.md")
    parser.add_argument("--connections", type=int, default=64, help="load: open connections")
    parser.add_argument("--duration", type=float, default=4.0, help="load: seconds per row")
    parser.add_argument("--workers", type=int, default=1, help="load: palm serve --workers")
    parser.add_argument("--row", action="append", default=[], help="http: rows named like this")
    parser.add_argument("--compare", metavar="REF", help="pipeline: also serve this git commit")
    parser.add_argument("--rounds", type=int, default=1, help="pipeline: rounds, median shown")
    parser.add_argument("--wrk-duration", type=int, default=10, help="pipeline: wrk seconds")
    parser.add_argument("--rows", metavar="A,B", help="pipeline: only these rows, e.g. healthz,me")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(modules)
    if unknown:
        parser.error(f"unknown benchmark module: {', '.join(sorted(unknown))}")
    captured = io.StringIO()
    status = 0
    with (
        contextlib.redirect_stdout(_Tee(sys.stdout, captured))
        if args.write
        else (contextlib.nullcontext())
    ):
        for name in args.only or modules:
            try:
                status |= run_module(name, modules[name], args)
            except Exception:  # one broken benchmark must not hide the others' figures
                print(f"{name}: failed:\n{traceback.format_exc(limit=-3)}")
                status |= 1
            print(flush=True)
    if args.write:
        print(f"written to {write_results(captured.getvalue(), argv, status)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
