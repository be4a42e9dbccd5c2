"""爱山东 identity verification through the signed client and the simulator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from integrations.aishandong import AiShandongClient
from integrations.aishandong.sim.server import create_simulator
from integrations.base import PlatformError
from integrations.simworld import PEOPLE, PERSONAS, gb11643_check_digit
from tests.integrations.conftest import AISHANDONG, RecordingObserver, Serve, Sim


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(AISHANDONG), AISHANDONG)


@pytest.fixture
def aishandong(sim: Sim, observer: RecordingObserver) -> AiShandongClient:
    return AiShandongClient(sim.session, sim.platform, observer)


@pytest.mark.parametrize("key", sorted(PEOPLE))
async def test_everyone_in_the_world_matches(aishandong: AiShandongClient, key: str) -> None:
    person = PEOPLE[key]
    result = await aishandong.verify_identity(person.name, person.id_type, person.id_number)
    assert result.result == "match"
    assert result.matched


async def test_foreigner_matches_by_latin_name_too(aishandong: AiShandongClient) -> None:
    foreigner = PERSONAS["foreigner"]
    result = await aishandong.verify_identity("Kim  Minjun", foreigner.id_type, foreigner.id_number)
    assert result.result == "match"


async def test_someone_elses_name_is_a_mismatch(aishandong: AiShandongClient) -> None:
    resident, elder = PERSONAS["resident"], PERSONAS["elder"]
    result = await aishandong.verify_identity(elder.name, "id_card", resident.id_number)
    assert result.result == "mismatch"


async def test_unknown_number_is_not_found(aishandong: AiShandongClient) -> None:
    first17 = "37100219900101001"
    number = first17 + gb11643_check_digit(first17)
    assert (await aishandong.verify_identity("于晓峰", "id_card", number)).result == "not_found"


async def test_wrong_document_type_is_not_found(aishandong: AiShandongClient) -> None:
    foreigner = PERSONAS["foreigner"]
    result = await aishandong.verify_identity(foreigner.name, "id_card", foreigner.id_number)
    assert result.result == "not_found"


async def test_malformed_number_is_a_business_error(
    aishandong: AiShandongClient, observer: RecordingObserver
) -> None:
    number = PERSONAS["resident"].id_number[:17] + "9"  # wrong check digit
    with pytest.raises(PlatformError) as caught:
        await aishandong.verify_identity("于晓峰", "id_card", number)
    assert caught.value.code == 20002
    assert observer.records == [("aishandong", "identity.verify", "business_error")]


async def test_added_person_can_be_verified(aishandong: AiShandongClient, sim: Sim) -> None:
    first17 = "37108319981111002"
    number = first17 + gb11643_check_digit(first17)
    person = {
        "key": "newcomer", "name": "宋雨桐", "id_number": number, "birth_date": "1998-11-11",
        "sex": "F", "phone": "13900001111", "household_id": "HH-371083-0099",
    }  # fmt: skip
    assert (await aishandong.verify_identity("宋雨桐", "id_card", number)).result == "not_found"
    assert await sim.control("/_sim/people", person) == {"key": "newcomer"}
    assert (await aishandong.verify_identity("宋雨桐", "id_card", number)).result == "match"


async def test_malformed_person_is_refused(sim: Sim) -> None:
    async with sim.session.post(sim.url("/_sim/people"), json={"key": "x"}) as response:
        assert response.status == 400


async def test_upstream_calls_are_counted(aishandong: AiShandongClient, sim: Sim) -> None:
    for key in ("resident", "elder", "talent"):
        person = PERSONAS[key]
        await aishandong.verify_identity(person.name, person.id_type, person.id_number)
    assert await sim.calls() == {"identity.verify": 3}


async def test_wrong_credentials_are_refused(sim: Sim) -> None:
    resident = PERSONAS["resident"]
    for changes, code in (({"secret": "old-secret"}, 10005), ({"app_id": "other-app"}, 10002)):
        client = AiShandongClient(sim.session, replace(sim.platform, **changes))  # type: ignore[arg-type]
        with pytest.raises(PlatformError) as caught:
            await client.verify_identity(resident.name, "id_card", resident.id_number)
        assert caught.value.code == code
