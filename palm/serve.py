"""``palm serve``: one process, or several sharing the port (SO_REUSEPORT), shut down gracefully.

On SIGTERM or SIGINT each process stops accepting connections, lets in-flight requests finish
(up to ``SHUTDOWN_SECONDS``), then closes its resources; a background job interrupted there is
claimed again by a live worker once its claim lapses (jobs are idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from aiohttp import web

from integrations.base import Platform
from palm import keys, simulators
from palm.app import create_app
from palm.logs import configure_logging
from palm.settings import Settings

log = logging.getLogger("palm.serve")

SHUTDOWN_SECONDS = 30.0


def run_one(settings: Settings, host: str, port: int, *, reuse_port: bool = False) -> None:
    # A serving process buffers its log lines (PALM_LOG_FLUSH_MS): one write per request costs
    # more than the rest of a simple request's logging.
    configure_logging(settings.log_level, settings.log_json, settings.log_flush_seconds)
    app = create_app(settings)
    web.run_app(
        app,
        host=host,
        port=port,
        access_log=None,
        print=(lambda _: announce(app)) if settings.announce else None,
        shutdown_timeout=SHUTDOWN_SECONDS,
        reuse_port=reuse_port,
    )


def announce(app: web.Application) -> None:
    """Once listening: where the API, its metrics and each simulator answer (stdout)."""
    settings = app[keys.SETTINGS]
    extra = {"api": app[keys.PUBLIC_URL](), "docs": app[keys.PUBLIC_URL]() + "/docs"}
    if keys.METRICS_URL in app:
        extra["metrics"] = app[keys.METRICS_URL]
    embedded = {p.name for p in settings.platforms if p.embedded}
    platforms: dict[str, Platform] = app[keys.PLATFORMS]
    print(f"palm serve ({settings.env}, process {os.getpid()}):", flush=True)
    print(simulators.table(platforms, embedded, **extra), flush=True)


def _child(settings: Settings, host: str, port: int) -> None:
    run_one(settings, host, port, reuse_port=True)


def serve(settings: Settings, host: str, port: int, workers: int) -> int:
    """Serve with ``workers`` processes; the parent prepares storage once, then supervises."""
    log.info(
        "serving on http://%s:%s with %s process(es), env %s", host, port, workers, settings.env
    )
    if workers <= 1:
        run_one(settings, host, port)
        return 0
    if not settings.redis_url:
        print("palm serve: --workers > 1 needs REDIS_URL (sessions and jobs are shared)",
              file=sys.stderr)  # fmt: skip
        return 2
    if settings.auto_migrate or settings.seed_demo:
        asyncio.run(_prepare(settings))
    metrics_dir, made = _metrics_dir()
    try:
        return _supervise(settings.with_(metrics_dir=metrics_dir), host, port, workers)
    finally:
        if made:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> tuple[Path, bool]:
    """The workers' shared metrics folder, emptied: PROMETHEUS_MULTIPROC_DIR when the operator
    names one, else a fresh temporary folder (removed at the end). Whether it was made here.

    Set in this process's environment: prometheus-client reads it when a worker imports it.
    """
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if named:
        folder = Path(named)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # a previous run's counts would be added in
            stale.unlink()
        return folder, False
    folder = Path(tempfile.mkdtemp(prefix="palm-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder, True


def _supervise(settings: Settings, host: str, port: int, workers: int) -> int:
    spawn = multiprocessing.get_context("spawn")
    children = []
    for index in range(workers):
        child_settings = settings.with_(
            auto_migrate=False, seed_demo=False, shared_ports=True,
            run_scheduler=settings.run_scheduler and index == 0,
        )  # fmt: skip
        process = spawn.Process(
            target=_child, args=(child_settings, host, port), name=f"palm-{index}"
        )
        process.start()
        children.append(process)

    def stop(signum: int, frame: FrameType | None) -> None:
        for process in children:
            if process.is_alive():
                process.terminate()  # SIGTERM: each child shuts down gracefully

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in children:
        process.join()
    # A child killed by a signal has a negative exit code: report it as a shell would (128 + n)
    # rather than let max() hide it behind the others' 0.
    codes = [process.exitcode or 0 for process in children]
    return next((code if code > 0 else 128 - code for code in codes if code), 0)


async def _prepare(settings: Settings) -> None:
    from tortoise.context import TortoiseContext

    from palm import storage
    from services import demo
    from services.privacy import FieldCipher

    if settings.auto_migrate:
        await storage.migrate(settings)
    if settings.seed_demo:
        async with TortoiseContext() as ctx:
            await ctx.init(config=storage.tortoise_config(settings))
            await demo.seed(
                FieldCipher(settings.secret_keys), settings.wechat.app_id, settings.data_dir
            )
