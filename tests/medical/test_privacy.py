"""Nothing medical in clear: not in the database, not in Redis; caches go with delegations."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from tortoise import Tortoise

from integrations.health.sim.data import HISTORY, ITEMS, Imaging
from palm import keys
from services.medical import cache
from tests.helpers import bearer, login, run_jobs
from tests.medical.conftest import Reader, ReaderFactory

# Every piece of medical text the simulated platform holds (all Chinese: it cannot turn up
# by chance inside hex or base64).
MEDICAL_TEXT = sorted(
    {v.diagnosis[1] for visits in HISTORY.values() for v in visits}
    | {r.title for visits in HISTORY.values() for v in visits for r in v.reports}
    | {
        t
        for visits in HISTORY.values()
        for v in visits
        for r in v.reports
        if isinstance(r, Imaging)
        for t in (r.findings, r.impression)
    }
    | {name for _, name, _, _ in ITEMS.values()}
)


async def _read_everything(client: TestClient, parent: Reader) -> None:
    """List and open every record of the parent, the child and the mother; use a consent."""
    family = await parent.family()
    for member in ("self", family["child"], family["parent"]):
        page = await parent.records(member=member, limit=50)
        for record in page["records"]:
            detail = await parent.record(record["id"], member=member)
            if detail["document"]:
                assert (await parent.get(detail["document"]["url"])).status == 200
        await parent.get("/api/v1/medical/access-log", member=member)
    resp = await client.post(
        "/api/v1/medical/consents",
        headers=parent.headers,
        json={"member": family["child"], "kinds": ["lab", "imaging"]},
    )
    code = (await resp.json())["code"]
    doctor = bearer(await login(client, "doctor"))
    resp = await client.post("/api/v1/clinician/recognitions", json={"code": code}, headers=doctor)
    assert resp.status == 201


async def _database_text() -> str:
    rows = []
    for model in Tortoise.apps.get_models_iterable():
        rows += [repr(row) for row in await model.all().values_list()]
    return "\n".join(rows)


async def _redis_text(redis: Redis) -> str:
    out = []
    async for raw in redis.scan_iter(count=1000):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        kind = _decode(await redis.type(key))
        if kind == "string":
            value: object = await redis.get(key)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "set":
            value = await redis.smembers(key)
        elif kind == "list":
            value = await redis.lrange(key, 0, -1)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1)
        elif kind == "stream":
            value = await redis.xrange(key)
        else:
            value = kind
        out.append(f"{key} {_decode(value)}")
    return "\n".join(out)


def _decode(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return " ".join(f"{_decode(k)}={_decode(v)}" for k, v in value.items())
    if isinstance(value, list | set | tuple):
        return " ".join(_decode(v) for v in value)
    return str(value)


async def test_no_clear_medical_text_in_the_database_or_redis(
    client: TestClient, reader: ReaderFactory
) -> None:
    await _read_everything(client, await reader("parent"))
    redis, cipher = client.app[keys.DEPS].redis, client.app[keys.DEPS].cipher
    database, cached = await _database_text(), await _redis_text(redis)
    assert "medical_access_log" not in database  # rows, not table names, are scanned
    # Also as JSON escapes (\uXXXX), in case something stored JSON in clear.
    forms = MEDICAL_TEXT + [json.dumps(t)[1:-1] for t in MEDICAL_TEXT]
    leaks = [t for t in forms if t in database or t in cached]
    assert not leaks, leaks
    # The scan is not vacuous: the cache holds these answers, encrypted.
    names = [k.decode() async for k in redis.scan_iter(match="palm:medical:cache:*")]
    assert len(names) > 10
    clear = [
        json.loads(cipher.decrypt(_decode(await redis.get(name)), field=name))["b"]
        for name in names
    ]
    assert [t for t in MEDICAL_TEXT if any(t in c for c in clear)]


async def _owner_keys(redis: Redis, owner: str) -> list[bytes]:
    return [k async for k in redis.scan_iter(match=f"palm:medical:cache:{{{owner}}}:*")]


async def test_dropping_a_delegations_cache(client: TestClient, reader: ReaderFactory) -> None:
    parent = await reader("parent")
    family = await parent.family()
    child, mother = uuid.UUID(family["child"]), uuid.UUID(family["parent"])
    await parent.records(member=str(child))
    await parent.records(member=str(mother))
    await parent.records()
    redis = client.app[keys.DEPS].redis
    assert await _owner_keys(redis, f"d:{child.hex}")
    assert await cache.drop_for(redis, child) >= 2  # the patient id and the page
    assert not await _owner_keys(redis, f"d:{child.hex}")
    assert await _owner_keys(redis, f"d:{mother.hex}")
    await cache.forget_delegation(mother, datetime.now(UTC))
    await run_jobs(client)
    assert not await _owner_keys(redis, f"d:{mother.hex}")
    assert await _owner_keys(redis, f"r:{(await parent.me())}")


async def test_ending_a_delegation_drops_its_cache(
    client: TestClient, reader: ReaderFactory
) -> None:
    parent = await reader("parent")
    child = (await parent.family())["child"]
    await parent.records(member=child)
    redis = client.app[keys.DEPS].redis
    assert await _owner_keys(redis, f"d:{uuid.UUID(child).hex}")
    await client.post(f"/api/v1/delegations/{child}/end", headers=parent.headers)
    await run_jobs(client)
    assert not await _owner_keys(redis, f"d:{uuid.UUID(child).hex}")
