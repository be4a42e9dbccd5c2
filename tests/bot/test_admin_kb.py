"""The operators' article list: keyset pages, filters, bounded query values, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from aiohttp.test_utils import TestClient

from services.kb.articles import load_dir
from tests.helpers import problem

URL = "/api/v1/admin/kb/articles"


async def _walk(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = await (await client.get(URL, params=query, headers=headers)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _article(**changes: Any) -> dict[str, Any]:
    return {"title": "威海市民卡挂失", "body": "市民卡丢失请拨打96588挂失。", "service": "general",
            "source": "威海市民卡管理办法", "keywords": ["市民卡"], **changes}  # fmt: skip


async def test_pages_walk_every_article_once_newest_first(
    client: TestClient, as_persona: Any
) -> None:
    officer = await as_persona("officer")
    assert (await client.put(f"{URL}/citizen-card-lost", json=_article(), headers=officer)).ok
    items = await _walk(client, officer, limit="7")
    slugs = [i["slug"] for i in items]
    assert len(slugs) == len(set(slugs)) == len(load_dir()) + 1
    assert slugs[0] == "citizen-card-lost"  # updated today: first
    keys = [(i["updated"], i["slug"]) for i in items]
    assert keys == sorted(keys, key=lambda k: (-date.fromisoformat(k[0]).toordinal(), k[1]))


async def test_filters_by_text_day_service_and_origin(client: TestClient, as_persona: Any) -> None:
    officer = await as_persona("officer")
    await client.put(f"{URL}/citizen-card-lost", json=_article(), headers=officer)
    lounge = await _walk(client, officer, q="贵宾厅")
    assert "talent-card-lounge" in {i["slug"] for i in lounge}
    assert all("贵宾厅" in f"{i['title']} {i['body']} {i['keywords']}" for i in lounge)
    assert len(lounge) < len(load_dir())
    english = await _walk(client, officer, q="LOUNGE")  # any case
    assert "talent-card-lounge" in {i["slug"] for i in english}
    assert all("lounge" in f"{i['title_en']} {i['body_en']}".lower() for i in english)
    today = date.today().isoformat()
    fresh = await _walk(client, officer, updated_since=today)
    assert [i["slug"] for i in fresh] == ["citizen-card-lost"]
    assert {i["origin"] for i in await _walk(client, officer, origin="operator")} == {"operator"}
    credit = await _walk(client, officer, service="credit", limit="3")
    assert credit
    assert {i["service"] for i in credit} == {"credit"}
    assert await _walk(client, officer, q="没有这样的词语") == []


async def test_query_values_are_bounded_and_cursors_checked(
    client: TestClient, as_persona: Any
) -> None:
    officer = await as_persona("officer")
    for bad in ({"q": "x" * 101}, {"q": ""}, {"updated_since": "9999-12-31"},
                {"updated_since": "0001-01-01"}, {"limit": "500"}, {"service": "weather"},
                {"origin": "elsewhere"}, {"cursor": "c" * 201}, {"unknown": "1"}):  # fmt: skip
        resp = await client.get(URL, params=bad, headers=officer)
        await problem(resp, 422, "validation_failed")
    await problem(await client.get(URL, params={"cursor": "!!"}, headers=officer), 400,
                  "invalid_cursor")  # fmt: skip
    from services.paging import encode_cursor

    foreign = encode_cursor(12, 34)  # a well-formed cursor of another list
    await problem(await client.get(URL, params={"cursor": foreign}, headers=officer), 400,
                  "invalid_cursor")  # fmt: skip
    resident = await as_persona("resident")
    await problem(await client.get(f"{URL}.csv", headers=resident), 403, "forbidden_role")


async def test_the_csv_holds_the_filtered_articles_safely(
    client: TestClient, as_persona: Any
) -> None:
    officer = await as_persona("officer")
    risky = _article(title='=HYPERLINK("http://x")', keywords=["市民卡", "挂失"])
    await client.put(f"{URL}/citizen-card-lost", json=risky, headers=officer)
    resp = await client.get(f"{URL}.csv", headers=officer)
    assert resp.status == 200
    assert resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = await resp.read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["slug", "title", "title_en"]
    assert len(rows) == len(load_dir()) + 2
    mine = next(r for r in rows if r[0] == "citizen-card-lost")
    assert mine[1].startswith("'=")  # a formula is text in the spreadsheet
    assert mine[8] == "市民卡, 挂失"
    only = await client.get(f"{URL}.csv", params={"service": "hotline"}, headers=officer)
    lines = list(csv.reader(io.StringIO((await only.read()).decode("utf-8-sig"))))
    assert {r[3] for r in lines[1:]} == {"hotline"}
    await problem(await client.get(f"{URL}.csv", params={"limit": "5"}, headers=officer), 422,
                  "validation_failed")  # fmt: skip
