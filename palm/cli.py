"""The ``palm`` command: serve, migrate, seed the demo, run the simulators alone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import pkgutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiohttp import web
from redis.asyncio import Redis

import palm
from models.identity.residents import Role
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
    serve.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    serve.set_defaults(func=_serve)

    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(func=_migrate)
    make = sub.add_parser("makemigrations", help="write a migration for model changes")
    make.add_argument("--name", help="migration name suffix")
    make.set_defaults(func=_makemigrations)
    sub.add_parser("seed-demo", help="create the demo personas (idempotent)").set_defaults(
        func=_seed_demo
    )
    grant = sub.add_parser("grant", help="give a resident a staff role (the first operator too)")
    grant.add_argument("resident", help="the resident's id (see GET /api/v1/me)")
    grant.add_argument("--role", required=True, choices=[r.value for r in Role])
    grant.add_argument("--organisation", required=True, help="organisation code")
    grant.add_argument("--scopes", default="", help="operators: e.g. grants,talent,transit")
    grant.set_defaults(func=_grant)

    worker = sub.add_parser("worker", help="run background jobs and the scheduler, no HTTP")
    worker.add_argument("--no-scheduler", action="store_true", help="jobs only, no cron")
    worker.set_defaults(func=_worker)

    for info in pkgutil.iter_modules(palm.__path__, "palm."):
        if info.name.startswith("palm.cli_"):  # each service may add its own commands
            importlib.import_module(info.name).add_commands(sub)

    sims = sub.add_parser("simulators", help="serve the platform simulators alone")
    sims.add_argument("--port", type=int, help="first port (default PALM_SIMULATORS_PORT)")
    sims.set_defaults(func=_simulators)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from palm.serve import serve

    host, port = args.host or settings.host, args.port or settings.port
    # The same host and port in the settings: callback URLs are built from them.
    serving = settings.with_(host=host, port=port, announce=True)
    return serve(serving, host, port, args.workers)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    """The app's resources and job queue without an HTTP listener (scale workers separately)."""
    if not settings.redis_url:
        print("palm worker: set REDIS_URL (an in-process queue cannot be shared)", file=sys.stderr)
        return 2
    worker_settings = settings.with_(run_worker=True, run_scheduler=not args.no_scheduler)

    async def run() -> None:
        runner = web.AppRunner(create_app(worker_settings))
        await runner.setup()  # starts every cleanup_ctx, the job queue included
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
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
        async with storage.for_command(settings.with_(auto_migrate=True)):
            cipher = FieldCipher(settings.secret_keys)
            await demo.seed(cipher, settings.wechat.app_id, settings.data_dir)

    asyncio.run(run())
    print("demo personas ready: " + ", ".join(demo.LOGIN_PERSONAS))
    return 0


@asynccontextmanager
async def _storage(settings: Settings) -> AsyncIterator[Redis]:
    """Database and Redis for a one-off command."""
    from palm import storage

    redis = storage.open_redis(settings)
    async with storage.for_command(settings):
        try:
            yield redis
        finally:
            await redis.aclose()


def _grant(settings: Settings, args: argparse.Namespace) -> int:
    from services.errors import DomainError
    from services.identity import grants
    from services.identity.sessions import Sessions
    from services.localcopy import Changes

    async def run() -> int:
        async with _storage(settings) as redis:
            try:
                sessions = Sessions(redis, settings.session_ttl_seconds, Changes(redis))
                row = await grants.grant(
                    sessions, uuid.UUID(args.resident), Role(args.role), args.organisation,
                    frozenset(filter(None, args.scopes.split(","))),
                )  # fmt: skip
            except DomainError as exc:
                print(f"palm grant: {exc.message_en}", file=sys.stderr)
                return 1
            print(f"grant {row.id}: {args.role} at {args.organisation}")
            return 0

    try:
        uuid.UUID(args.resident)
    except ValueError:
        print("palm grant: RESIDENT must be a resident id (a UUID)", file=sys.stderr)
        return 2
    return asyncio.run(run())


def _simulators(settings: Settings, args: argparse.Namespace) -> int:
    from palm.public import PublicUrl
    from palm.simulators import running, table

    async def run() -> None:
        port = args.port or settings.simulators_port
        # They call back a palm serve with default settings (HOST, PORT, PALM_PUBLIC_URL).
        app_url = PublicUrl(settings)
        async with running(settings, only_embedded=False, port=port, app_url=app_url) as sims:
            print(table(sims, set(sims), **{"app (callbacks)": app_url()}), flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
