"""The ``palm`` command: serve, migrate, seed the demo, run the simulators alone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import tempfile
from collections.abc import Sequence

from aiohttp import web

from palm.app import create_app
from palm.logs import configure_logging
from palm.settings import Settings, SettingsError

log = logging.getLogger("palm.cli")


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"palm: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, settings.log_json)
    raise SystemExit(args.func(settings, args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="palm", description="Weihai palm services backend")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the API (and embedded simulators)")
    serve.add_argument("--host", help="address to bind (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORT or 8080)")
    serve.set_defaults(func=_serve)

    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(func=_migrate)
    make = sub.add_parser("makemigrations", help="write a migration for model changes")
    make.add_argument("--name", help="migration name suffix")
    make.set_defaults(func=_makemigrations)
    sub.add_parser("seed-demo", help="create the demo personas (idempotent)").set_defaults(
        func=_seed_demo
    )
    sims = sub.add_parser("simulators", help="serve the platform simulators alone")
    sims.add_argument("--port", type=int, help="first port (default PALM_SIMULATORS_PORT)")
    sims.set_defaults(func=_simulators)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    host = args.host or settings.host
    port = args.port or settings.port
    log.info("serving on http://%s:%s (env %s)", host, port, settings.env)
    web.run_app(
        create_app(settings), host=host, port=port, access_log=None, print=None,
        shutdown_timeout=30.0,
    )  # fmt: skip
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from palm.storage import migrate

    asyncio.run(migrate(settings))
    print("migrations applied")
    return 0


def _makemigrations(settings: Settings, args: argparse.Namespace) -> int:
    from tortoise.cli.cli import run_cli_async

    from palm.storage import tortoise_config

    config = tortoise_config(settings.with_(database_url="sqlite://:memory:"))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    argv = ["--config-file", handle.name, "makemigrations"]
    argv += ["--name", args.name] if args.name else []
    return asyncio.run(run_cli_async(argv))


def _seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from palm import storage
    from services import demo
    from services.privacy import FieldCipher

    async def run() -> None:
        await storage.migrate(settings)
        from tortoise.context import TortoiseContext

        async with TortoiseContext() as ctx:
            await ctx.init(config=storage.tortoise_config(settings))
            await demo.seed(FieldCipher(settings.secret_keys), settings.wechat.app_id)

    asyncio.run(run())
    print("demo personas ready: " + ", ".join(demo.LOGIN_PERSONAS))
    return 0


def _simulators(settings: Settings, args: argparse.Namespace) -> int:
    from palm.simulators import running

    async def run() -> None:
        port = args.port or settings.simulators_port
        async with running(settings, only_embedded=False, port=port) as platforms:
            for platform in platforms.values():
                print(f"{platform.name}: {platform.base_url}")
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
