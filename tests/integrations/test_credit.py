"""信用山东: ratings, the debtor list and idempotent feedback through the client and simulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from integrations.base import Platform, PlatformError, PlatformUnavailable
from integrations.credit import CreditClient, CreditIdentity, Feedback
from integrations.credit.sim.server import create_simulator
from integrations.simworld import PEOPLE, PERSONAS
from tests.integrations.conftest import RecordingObserver, Serve, Sim

CREDIT = Platform("credit", "embedded", "palm-test", "credit-test-secret", timeout=2.0)


def _who(key: str) -> CreditIdentity:
    person = PEOPLE[key]
    return CreditIdentity(person.id_type, person.id_number, person.name)


def _report(serial: str = "default:1", **changes: object) -> Feedback:
    report = Feedback(
        serial=serial,
        kind="default",
        identity=_who("resident"),
        amount_fen=5000,
        occurred_on=date(2026, 1, 8),
        reporter="weihai-library",
        reporter_name="威海市图书馆",
        reference="d-1",
    )
    return replace(report, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(CREDIT), CREDIT)


@pytest.fixture
def credit(sim: Sim, observer: RecordingObserver) -> CreditClient:
    return CreditClient(sim.session, sim.platform, observer)


@pytest.mark.parametrize(("key", "rating"), [("resident", "A"), ("talent", "A+"), ("elder", "A")])
async def test_good_personas_have_good_ratings(credit: CreditClient, key: str, rating: str) -> None:
    answer = await credit.rating(_who(key))
    assert answer.found
    assert answer.rating == rating
    assert answer.score is not None
    assert answer.score > 700
    assert not (await credit.dishonest(_who(key))).listed


async def test_debtor_is_listed_and_rated_d(credit: CreditClient) -> None:
    status = await credit.dishonest(_who("debtor"))
    assert status.listed
    assert status.cases == 2
    assert (await credit.rating(_who("debtor"))).rating == "D"


async def test_child_has_no_evaluation(credit: CreditClient) -> None:
    assert (await credit.rating(_who("parent_child"))).found is False


async def test_foreigner_is_found_by_latin_name(credit: CreditClient) -> None:
    foreigner = PERSONAS["foreigner"]
    who = CreditIdentity(foreigner.id_type, foreigner.id_number, "kim minjun")
    assert (await credit.rating(who)).rating == "B"


async def test_wrong_name_is_refused(credit: CreditClient, observer: RecordingObserver) -> None:
    who = replace(_who("resident"), name=PERSONAS["elder"].name)
    with pytest.raises(PlatformError) as caught:
        await credit.rating(who)
    assert caught.value.code == 30002
    assert observer.records == [("credit", "credit.rating", "business_error")]


async def test_malformed_number_is_refused(credit: CreditClient) -> None:
    who = replace(_who("resident"), id_number=PERSONAS["resident"].id_number[:17] + "0")
    with pytest.raises(PlatformError) as caught:
        await credit.dishonest(who)
    assert caught.value.code == 30001


async def test_controls_change_ratings_and_the_list(credit: CreditClient, sim: Sim) -> None:
    number = PERSONAS["resident"].id_number
    await sim.control("/_sim/ratings", {"certNo": number, "rating": "C", "score": 480})
    await sim.control("/_sim/debtors", {"certNo": number, "cases": 1})
    assert (await credit.rating(_who("resident"))).rating == "C"
    assert (await credit.dishonest(_who("resident"))).listed
    await sim.control("/_sim/ratings", {"certNo": number, "rating": None})
    await sim.control("/_sim/debtors", {"certNo": number, "cases": 0})
    assert not (await credit.rating(_who("resident"))).found
    assert not (await credit.dishonest(_who("resident"))).listed
    assert await sim.refused("/_sim/ratings", {"certNo": number, "rating": "AAA"}) == 400


async def test_the_same_serial_is_recorded_once(credit: CreditClient, sim: Sim) -> None:
    first = await credit.feedback(_report())
    again = await credit.feedback(_report())
    assert not first.duplicate
    assert again.duplicate
    assert again.record_id == first.record_id
    seen = await sim.get("/_sim/feedback")
    assert seen["received"] == 2
    assert [r["recordId"] for r in seen["records"]] == [first.record_id]


async def test_a_reused_serial_with_other_content_is_refused(credit: CreditClient) -> None:
    await credit.feedback(_report())
    with pytest.raises(PlatformError) as caught:
        await credit.feedback(_report(amount_fen=9999))
    assert caught.value.code == 30004


async def test_repair_marks_the_default_record(credit: CreditClient, sim: Sim) -> None:
    default = await credit.feedback(_report())
    repair = await credit.feedback(_report("repair:1", kind="repair", record_id=default.record_id))
    assert repair.record_id != default.record_id
    records = {r["type"]: r for r in (await sim.get("/_sim/feedback"))["records"]}
    assert records["default"]["repaired"] is True


async def test_repair_of_an_unknown_record_is_refused(credit: CreditClient) -> None:
    with pytest.raises(PlatformError) as caught:
        await credit.feedback(_report("repair:9", kind="repair", record_id="XYFK0000"))
    assert caught.value.code == 30003


async def test_outage_is_unavailable_then_recovers(
    credit: CreditClient, sim: Sim, observer: RecordingObserver
) -> None:
    await sim.control("/_sim/failures", {"operation": "credit.feedback", "times": 1})
    with pytest.raises(PlatformUnavailable):
        await credit.feedback(_report())
    assert (await credit.feedback(_report())).duplicate is False
    assert [r[2] for r in observer.records] == ["unavailable", "ok"]


async def test_unsigned_requests_are_refused(sim: Sim) -> None:
    async with sim.session.post(sim.url("/credit/v1/rating"), json={}) as response:
        body = await response.json()
    assert body["code"] == 10001
