"""The talent platform (人社/人才) through the signed client and its simulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from integrations.base import Platform, PlatformError, PlatformUnavailable
from integrations.simworld import PERSONAS
from integrations.talent import TalentClient
from integrations.talent.sim.server import create_simulator
from tests.integrations.conftest import RecordingObserver, Serve, Sim

TALENT_PLATFORM = Platform("talent", "embedded", "palm-test", "talent-test-secret", timeout=2.0)
TALENT, RESIDENT, ELDER = PERSONAS["talent"], PERSONAS["resident"], PERSONAS["elder"]


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(TALENT_PLATFORM), TALENT_PLATFORM)


@pytest.fixture
def talent(sim: Sim, observer: RecordingObserver) -> TalentClient:
    return TalentClient(sim.session, sim.platform, observer)


async def test_the_talent_persona_is_certified(talent: TalentClient) -> None:
    found = await talent.qualification(TALENT.id_number, TALENT.name)
    assert found is not None
    assert found.talent_class == "D"
    assert found.education is not None
    assert found.education.level == "doctorate"
    assert found.title is not None
    assert found.title.name == "高级工程师"
    assert found.employer == TALENT.employer
    assert found.contract_ends_on == date(2029, 6, 30)  # as on the labour contract licence


async def test_a_graduate_is_on_record_without_a_class(talent: TalentClient) -> None:
    found = await talent.qualification(RESIDENT.id_number, RESIDENT.name)
    assert found is not None
    assert found.talent_class is None
    assert found.education is not None
    assert found.education.level == "bachelor"


async def test_unknown_people_and_wrong_names_are_none(
    talent: TalentClient, observer: RecordingObserver
) -> None:
    assert await talent.qualification(ELDER.id_number, ELDER.name) is None
    assert await talent.qualification(TALENT.id_number, RESIDENT.name) is None
    assert observer.records[-1] == ("talent", "qualification.query", "business_error")


async def test_missing_fields_are_a_business_error(talent: TalentClient) -> None:
    with pytest.raises(PlatformError) as caught:
        await talent.qualification("", TALENT.name)
    assert caught.value.code == 30001


async def test_a_wrong_secret_is_refused(sim: Sim, observer: RecordingObserver) -> None:
    stranger = TalentClient(sim.session, replace(sim.platform, secret="not-ours"), observer)
    with pytest.raises(PlatformError) as caught:
        await stranger.qualification(TALENT.id_number, TALENT.name)
    assert caught.value.code == 10005


async def test_changes_are_fed_in_order_and_paged(talent: TalentClient, sim: Sim) -> None:
    assert (await talent.changes(0)).changes == []
    await sim.control("/_sim/talents", {"id_number": RESIDENT.id_number, "talent_class": "E",
                                        "education": {"level": "master", "institution": "山东大学",
                                                      "awarded_on": "2026-06-30"}})  # fmt: skip
    await sim.control("/_sim/talents", {"id_number": TALENT.id_number, "talent_class": "B"})
    first = await talent.changes(0, limit=2)
    assert [(c.seq, c.kind) for c in first.changes] == [(1, "class"), (2, "degree")]
    assert first.changes[0].id_number == RESIDENT.id_number
    assert first.more
    assert first.next == 2
    rest = await talent.changes(first.next, limit=2)
    assert [(c.seq, c.kind, c.version) for c in rest.changes] == [(3, "class", 2)]
    assert not rest.more
    assert rest.next == 3
    assert (await talent.changes(3)).changes == []
    found = await talent.qualification(RESIDENT.id_number, RESIDENT.name)
    assert found is not None
    assert found.talent_class == "E"
    assert found.version == 2


async def test_an_unchanged_field_is_not_a_change(talent: TalentClient, sim: Sim) -> None:
    await sim.control("/_sim/talents", {"id_number": TALENT.id_number, "talent_class": "D"})
    assert (await talent.changes(0)).changes == []


async def test_bad_feed_parameters_are_refused(talent: TalentClient) -> None:
    with pytest.raises(PlatformError) as caught:
        await talent.changes(-1)
    assert caught.value.code == 30001


async def test_outage_is_unavailable(talent: TalentClient, sim: Sim) -> None:
    await sim.control("/_sim/availability", {"available": False})
    with pytest.raises(PlatformUnavailable):
        await talent.qualification(TALENT.id_number, TALENT.name)
    await sim.control("/_sim/availability", {"available": True})
    assert await talent.qualification(TALENT.id_number, TALENT.name) is not None


async def test_removed_records_are_unknown(talent: TalentClient, sim: Sim) -> None:
    await sim.control("/_sim/talents", {"id_number": TALENT.id_number}, method="DELETE")
    assert await talent.qualification(TALENT.id_number, TALENT.name) is None


async def test_malformed_controls_are_refused(sim: Sim) -> None:
    assert await sim.refused("/_sim/talents", {"talent_class": "B"}) == 400
    assert await sim.refused("/_sim/talents", {"id_number": "X", "talent_class": "B"}) == 400
    body = {"id_number": TALENT.id_number, "talent_class": "Z"}
    assert await sim.refused("/_sim/talents", body) == 400
