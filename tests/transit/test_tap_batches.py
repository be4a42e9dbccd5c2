"""A batch mixing new, known and changed taps is counted tap by tap; a bad tap stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from models.jobs import OutboxMessage
from models.transit.trips import Tap, TapConflict
from tests.helpers import problem
from tests.transit.support import as_bus, open_account, ride_code, tap, trips, upload

PRICE = "transit.taps.price"


async def test_a_mixed_batch_counts_new_known_and_changed_taps(client: TestClient) -> None:
    headers, _ = await open_account(client, "resident")
    at = datetime.now(UTC)
    ridden = tap((await ride_code(client, headers))["code"], tap_id="mix-0001", at=at)
    changed = tap("NOT A CODE", tap_id="mix-0002", at=at)
    first = await upload(client, [ridden, changed])
    assert (first["received"], first["new"], first["conflicts"]) == (2, 2, 0)

    fresh = [tap("NOT A CODE", tap_id=f"mix-1{n:03d}", at=at) for n in range(5)]
    batch = [
        fresh[0],
        ridden,  # known, same content: a repeat
        {**changed, "stop": "威高广场"},  # known id, other content: a conflict
        *fresh[1:],
        fresh[2],  # repeated within the batch, same content
        {**fresh[3], "line": "7"},  # repeated within the batch, other content
    ]
    answer = await upload(client, batch)
    assert (answer["received"], answer["new"]) == (len(batch), 5)
    assert answer["conflicts"] == 2
    assert answer["conflict_tap_ids"] == ["mix-0002", "mix-1003"]
    assert await Tap.all().count() == 7
    stored = await Tap.filter(tap_id="mix-1003").get()
    assert stored.line == "1"  # the first of the repeated ids is the one stored

    again = await upload(client, batch)  # the validator retries the same upload
    assert (again["received"], again["new"], again["conflicts"]) == (len(batch), 0, 2)
    assert again["batch"] == answer["batch"]
    assert await Tap.all().count() == 7
    assert await TapConflict.all().count() == 2
    assert await OutboxMessage.filter(topic=PRICE).count() == 2  # one per stored batch
    assert len(await trips(client, headers)) == 1  # the ride, priced once


async def test_an_all_known_batch_queues_no_pricing(client: TestClient) -> None:
    sent = [tap("NOT A CODE", tap_id=f"known-{n:04d}") for n in range(3)]
    await upload(client, sent)
    answer = await upload(client, sent[1:])  # another upload, every tap seen before
    assert (answer["received"], answer["new"], answer["conflicts"]) == (2, 0, 0)
    assert await OutboxMessage.filter(topic=PRICE).count() == 1
    assert await Tap.all().count() == 3


async def test_a_bad_tap_is_named_and_the_batch_is_not_stored(client: TestClient) -> None:
    batch = [tap("NOT A CODE", tap_id=f"bad-{n:05d}") for n in range(4)]
    batch[2]["tap_id"] = "short"
    batch[3]["tapped_at"] = "yesterday"
    resp = await as_bus(client, "POST", "/api/v1/devices/taps", {"taps": batch})
    body = await problem(resp, 422, "validation_failed")
    assert [e["path"] for e in body["errors"]] == ["body/taps/2/tap_id", "body/taps/3/tapped_at"]
    naive = [{**batch[0], "tapped_at": "2026-01-01T08:00:00"}]
    resp = await as_bus(client, "POST", "/api/v1/devices/taps", {"taps": naive})
    body = await problem(resp, 422, "validation_failed")
    assert [e["path"] for e in body["errors"]] == ["body/taps/tapped_at"]
    assert await Tap.all().count() == 0
    assert await OutboxMessage.filter(topic=PRICE).count() == 0
