"""Keyset paging, cursors, bounds and CSV: the pieces every list endpoint shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient
from pydantic import ValidationError

from models.identity.organisations import Organisation, OrganisationKind
from palm.lists import PagedDayRange
from services import paging
from services.errors import InvalidInput, ValidationFailed


async def test_pages_walk_every_row_once_even_when_timestamps_tie(client: TestClient) -> None:
    same = datetime(2026, 5, 1, tzinfo=UTC)
    before = await Organisation.all().count()
    for i in range(7):
        org = await Organisation.create(code=f"page-{i}", kind=OrganisationKind.MERCHANT,
                                        name_zh="页", name_en="Page")  # fmt: skip
        await Organisation.filter(id=org.id).update(created_at=same)
    seen: list[str] = []
    cursor = None
    query = Organisation.filter(code__startswith="page-")
    while True:
        got = await paging.page(query, cursor=cursor, limit=3)
        seen += [o.code for o in got.items]
        if got.next_cursor is None:
            break
        cursor = got.next_cursor
    assert sorted(seen) == [f"page-{i}" for i in range(7)]
    assert len(seen) == len(set(seen)) == 7
    assert await Organisation.all().count() == before + 7


@pytest.mark.parametrize(
    "cursor", ["!!!", "e30", paging.encode_cursor(2**70, 1), "WzEsMiwzXQ", "WyJ4Iix0cnVlXQ"]
)
async def test_a_bad_cursor_is_a_clear_400(client: TestClient, cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await paging.page(Organisation.all(), cursor=cursor, limit=5)
    assert caught.value.code == "invalid_cursor"


def test_cursors_round_trip_dates_and_ids() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert paging.decode_cursor(paging.encode_cursor(moment, 42)) == (moment, 42)


def test_query_values_are_bounded_at_the_edge() -> None:
    assert PagedDayRange.model_validate({"from": "2026-01-01", "limit": "5"}).limit == 5
    for bad in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"limit": "0"}, {"limit": "99999"}):
        with pytest.raises(ValidationError):
            PagedDayRange.model_validate(bad)
    with pytest.raises(ValidationFailed):
        PagedDayRange.model_validate({"from": "2026-02-01", "to": "2026-01-01"})


def test_csv_neutralises_formulas() -> None:
    text = paging.csv_text(["a", "b"], [["=1+1", 3], ["@x", None]])
    assert text == "a,b\r\n'=1+1,3\r\n'@x,\r\n"
