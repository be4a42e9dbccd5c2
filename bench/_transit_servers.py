"""Processes the transit benchmark measures: a bare aiohttp hello, the palm app, 爱山东 at scale.

Run as ``python -m bench._transit_servers hello|palm|aishandong PORT DATA_DIR``; each prints
``ready`` when it listens. Separate processes, so the load generator does not share their core.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path

from aiohttp import web

from integrations.base import Platform
from services.ratelimit import Limit

PEOPLE = 100_000
SECRET = "bench-aishandong-secret"  # noqa: S105 (the bench simulator's own)


def bench_settings(data_dir: Path) -> object:
    from palm.settings import RateLimits, Settings

    unlimited = Limit(10**9, 60)
    return Settings(
        env="development", database_url=os.environ.get("DATABASE_URL", f"sqlite://{data_dir}/b.db"),
        redis_url=os.environ.get("REDIS_URL") or None, auto_migrate=False, seed_demo=True,
        data_dir=data_dir, run_worker=False, run_scheduler=False,
        rate_limits=RateLimits(ip=unlimited, resident=unlimited, device=unlimited),
    )  # fmt: skip


def person_number(i: int) -> str:
    from services.identity.idnumbers import check_digit

    birth = date(1970, 1, 1) + timedelta(days=i % 9000)
    first17 = f"371002{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + check_digit(first17)


def _hello() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


def _aishandong() -> web.Application:
    """The 爱山东 simulator holding 100,000 people with disability certificates."""
    from integrations.aishandong.sim import licences as simlicences
    from integrations.aishandong.sim import state as simstate
    from integrations.aishandong.sim.server import create_simulator
    from integrations.simworld import Person
    from integrations.simworld_licences import LicenceRecord

    app = create_simulator(Platform("aishandong", "embedded", "palm-bench", SECRET))
    people = {f"p{i}": Person(f"p{i}", "测试", person_number(i), date(1970, 1, 1), "M", None, None)
              for i in range(PEOPLE)}  # fmt: skip
    by_number = {p.id_number: p for p in people.values()}
    # The simulator finds a holder by scanning everyone; at this scale, look them up instead.
    simlicences.holder = lambda records, number, id_type=None: by_number.get(number)  # type: ignore[assignment]
    simstate.holder = simlicences.holder  # type: ignore[assignment]
    app[simstate.RECORDS] = people
    until = date.today() + timedelta(days=3650)
    for i, p in enumerate(people.values()):
        expired = i % 10 == 0  # one in ten has lapsed: those cards are suspended
        app[simstate.LICENCES][p.id_number] = [LicenceRecord(
            "disability_certificate", p.id_number + "42", "环翠区残联", "371002",
            date(2020, 1, 1), date(2025, 1, 1) if expired else until,
            {"category": "physical", "grade": "3"},
        )]  # fmt: skip
    return app


async def _serve(kind: str, port: int, data_dir: Path) -> None:
    if kind == "palm":
        from palm.app import create_app
        from palm.logs import configure_logging

        configure_logging("INFO", json_lines=True)  # as in production (to /dev/null here)
        app = create_app(bench_settings(data_dir))  # type: ignore[arg-type]
    else:
        app = _hello() if kind == "hello" else _aishandong()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
