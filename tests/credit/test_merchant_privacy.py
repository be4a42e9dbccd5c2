"""Merchants never receive a rating, a score or a personal number, in any response."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

from aiohttp.test_utils import TestClient

from integrations.credit.models import RATINGS
from integrations.credit.sim.data import EVALUATIONS
from integrations.simworld import PEOPLE
from palm import keys
from tests.credit.support import code, days_pass, headers
from tests.helpers import run_jobs

FORBIDDEN_KEYS = re.compile(r"rating|score|band|id_number|phone|cert", re.IGNORECASE)
SCORES = {e.score for e in EVALUATIONS.values()}
SECRETS = [p.id_number for p in PEOPLE.values()] + [p.phone for p in PEOPLE.values() if p.phone]


class MerchantDesk:
    """Sends merchant requests and keeps every response for inspection."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seen: list[tuple[str, str, int, str]] = []

    async def __call__(self, method: str, path: str, staff: Any, **kw: Any) -> Any:
        resp = await self.client.request(method, path, headers=staff, **kw)
        text = await resp.text()
        self.seen.append((method, path, resp.status, text))
        if resp.content_type == "text/csv":
            return list(csv.reader(text.lstrip("\ufeff").splitlines()))
        return json.loads(text) if text else None


def _flatten(value: Any, path: str = "") -> tuple[list[str], list[tuple[str, Any]]]:
    """Every key path and every leaf value (with its path) of a JSON document."""
    if isinstance(value, dict):
        items = [(f"{path}/{k}", v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}/{i}", v) for i, v in enumerate(value)]
    else:
        return [], [(path, value)]
    keys = [where for where, _ in items if isinstance(value, dict)]
    leaves: list[tuple[str, Any]] = []
    for where, inner in items:
        more_keys, more_leaves = _flatten(inner, where)
        keys += more_keys
        leaves += more_leaves
    return keys, leaves


def _csv_document(text: str) -> list[dict[str, str]]:
    """A CSV download as the JSON-like rows the inspection walks (header → cell)."""
    header, *rows = csv.reader(text.lstrip("\ufeff").splitlines())
    return [dict(zip(header, row, strict=True)) for row in rows] or [dict.fromkeys(header, "")]


def _inspect(text: str) -> list[str]:
    """Everything in one response (JSON or a CSV download) that a merchant must not see."""
    found = [f"personal number {s[:3]}…" for s in SECRETS if s in text]
    if text.startswith("\ufeff"):  # a CSV download: its numbers are text
        rows = _csv_document(text)
        document: Any = [{k: int(v) if v.isdigit() else v for k, v in r.items()} for r in rows]
    else:
        document = json.loads(text) if text else None
    keys, leaves = _flatten(document) if text else ([], [])
    found += [f"key {k}" for k in keys if FORBIDDEN_KEYS.search(k.rsplit("/", 1)[-1])]
    for where, value in leaves:
        if isinstance(value, str) and value in RATINGS:
            found.append(f"rating-like value at {where}")
        elif type(value) is int and value in SCORES:
            found.append(f"score-like number at {where}")
    return found


def test_the_inspection_finds_leaks() -> None:
    assert _inspect('{"items": [{"credit_score": 1}]}') == ["key /items/0/credit_score"]
    assert _inspect('{"x": {"band": "A+"}}') == ["key /x/band", "rating-like value at /x/band"]
    assert _inspect('{"n": [782]}') == ["score-like number at /n/0"]
    assert _inspect(json.dumps({"who": PEOPLE["resident"].id_number}))
    assert _inspect('{"decision": "waived", "amount": 5000, "holder": "于*峰"}') == []
    assert _inspect("\ufeffid,holder,band\r\n1,于*峰,A+\r\n") == [
        "key /0/band",
        "rating-like value at /0/band",
    ]
    assert _inspect("\ufeffid,credit_score\r\n") == ["key /0/credit_score"]


async def test_every_merchant_response_is_free_of_ratings_and_scores(client: TestClient) -> None:
    desk = MerchantDesk(client)
    librarian, cashier = await headers(client, "librarian"), await headers(client, "cashier")
    people = {p: await headers(client, p) for p in ("resident", "talent", "debtor", "elder")}
    base = "/api/v1/merchant/credit"

    async def scan(staff: Any, persona: str, **body: Any) -> Any:
        body = {"scene": "library", "amount": 5000, "reference": f"P-{len(desk.seen)}"} | body
        text = await code(client, people[persona])
        return await desk("POST", f"{base}/waivers", staff, json={"code": text, **body})

    await desk("GET", f"{base}/scenes", librarian)
    book = await scan(librarian, "resident")
    lost = await scan(librarian, "talent", amount=10_000)
    await scan(librarian, "talent", amount=10_000)
    await scan(librarian, "talent", amount=10_000)
    assert (await scan(librarian, "talent", amount=10))["reason"] == "limit_reached"
    assert (await scan(librarian, "debtor"))["reason"] == "credit_requirement_not_met"
    await scan(librarian, "resident", reference="P-1")  # a duplicate: a problem document
    await desk("POST", f"{base}/waivers/{book['waiver_id']}/release", librarian)
    await desk(
        "POST",
        f"{base}/waivers/{lost['waiver_id']}/default",
        librarian,
        json={"amount": 10_000, "evidence": "遗失"},
    )
    await days_pass(8)
    await run_jobs(client)
    admission = await scan(cashier, "elder", scene="hospital-admission", amount=50_000)
    await desk(
        "POST", f"{base}/waivers/{admission['waiver_id']}/bill", cashier, json={"amount": 30_000}
    )
    await desk("POST", f"{base}/waivers/{admission['waiver_id']}/paid", cashier)
    await desk("POST", f"{base}/waivers/{lost['waiver_id']}/paid", librarian)
    for view in ("active", "overdue", "defaulted", "closed", "released", "all"):
        await desk("GET", f"{base}/waivers?view={view}", librarian)
        await desk("GET", f"{base}/waivers.csv?view={view}", librarian)
    every = await desk("GET", f"{base}/waivers.csv?view=all", librarian)
    assert len(every) == 1 + 4  # the header and four waivers granted (refusals are not waivers)
    assert {row[every[0].index("holder")] for row in every[1:]} == {"于*峰", "林*言"}
    await desk("GET", f"{base}/waivers.csv?view=all", cashier)
    await desk("GET", f"{base}/summary", librarian)

    assert all(status < 500 for _, _, status, _ in desk.seen)
    leaks = {f"{m} {p}": _inspect(text) for m, p, _, text in desk.seen if _inspect(text)}
    assert not leaks
    covered = {
        (m, re.sub(r"/[0-9a-f-]{36}/", "/{id}/", p.split("?")[0])) for m, p, _, _ in desk.seen
    }
    merchant_ops = {
        (op.method, op.path) for op in client.app[keys.OPERATIONS] if op.path.startswith(base)
    }
    assert merchant_ops <= covered  # a new merchant endpoint must be added to this walk


async def test_merchant_schemas_have_no_rating_or_score_fields(client: TestClient) -> None:
    spec = await (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]

    def names(ref: str, seen: set[str]) -> set[str]:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return set()
        seen.add(name)
        found: set[str] = set()
        for key, prop in schemas[name].get("properties", {}).items():
            found.add(key)
            for inner in re.findall(r'"\$ref": "([^"]+)"', json.dumps(prop)):
                found |= names(inner, seen)
        return found

    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/merchant/credit"):
            continue
        for operation in item.values():
            body = operation["responses"].get("200", {}).get("content", {})
            for media in body.values():
                if "$ref" not in media["schema"]:  # a CSV download: walked through HTTP above
                    continue
                fields = names(media["schema"]["$ref"], set())
                assert not {f for f in fields if FORBIDDEN_KEYS.search(f)}, path
