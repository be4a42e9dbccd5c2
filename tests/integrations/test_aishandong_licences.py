"""爱山东 household register and electronic licences through the signed client and simulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from integrations.aishandong import AiShandongClient, ErrCode, HouseholdMember
from integrations.aishandong.models import LICENCE_KINDS
from integrations.aishandong.sim.server import create_simulator
from integrations.base import PlatformError
from integrations.simworld import PEOPLE, PERSONAS, gb11643_check_digit
from tests.integrations.conftest import AISHANDONG, RecordingObserver, Serve, Sim

PARENT, CHILD, MOTHER = PEOPLE["parent"], PEOPLE["parent_child"], PEOPLE["parent_mother"]
TALENT, ELDER = PERSONAS["talent"], PERSONAS["elder"]
JINAN_CARD = {
    "id_number": ELDER.id_number, "kind": "disability_certificate",
    "number": ELDER.id_number + "13", "issuer": "济南市历下区残疾人联合会",
    "issuer_code": "370102", "issued_on": "2024-05-06", "valid_until": "2034-05-05",
    "attributes": {"category": "visual", "grade": "3"},
}  # fmt: skip


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(AISHANDONG), AISHANDONG)


@pytest.fixture
def aishandong(sim: Sim, observer: RecordingObserver) -> AiShandongClient:
    return AiShandongClient(sim.session, sim.platform, observer)


async def code_of(call: Any) -> int:
    with pytest.raises(PlatformError) as caught:
        await call
    return caught.value.code


async def test_parent_and_child_share_a_household(aishandong: AiShandongClient) -> None:
    household = await aishandong.household_members(PARENT.id_number)
    assert household.household_id == PARENT.household_id
    assert [(m.name, m.id_number, m.relation_to_head, m.birth_date) for m in household.members] == [
        (PARENT.name, PARENT.id_number, "head", PARENT.birth_date),
        (CHILD.name, CHILD.id_number, "child", CHILD.birth_date),
    ]
    assert await aishandong.household_members(CHILD.id_number) == household


async def test_the_mother_lives_elsewhere(aishandong: AiShandongClient) -> None:
    household = await aishandong.household_members(MOTHER.id_number)
    assert household.household_id == MOTHER.household_id != PARENT.household_id
    assert [(m.id_number, m.relation_to_head) for m in household.members] == [
        (MOTHER.id_number, "head")
    ]


async def test_added_person_joins_a_household(aishandong: AiShandongClient, sim: Sim) -> None:
    first17 = "37100219860301003"
    number = first17 + gb11643_check_digit(first17)
    person = {
        "key": "lodger", "name": "毕志远", "id_number": number, "birth_date": "1986-03-01",
        "sex": "M", "phone": None, "household_id": PARENT.household_id,
    }  # fmt: skip
    await sim.control("/_sim/people", person)
    household = await aishandong.household_members(PARENT.id_number)
    assert [m.relation_to_head for m in household.members] == ["head", "other", "child"]


@pytest.mark.parametrize(
    ("relation", "expected"),
    [("户主", "head"), ("女", "child"), ("子", "child"), ("母亲", "parent"), ("外甥", "other")],
)
def test_register_relations_are_read(relation: str, expected: str) -> None:
    member = HouseholdMember.model_validate(
        {"name": "x", "certNo": "1", "relation": relation, "birthDate": "2000-01-01"}
    )
    assert member.relation_to_head == expected


async def test_household_errors(aishandong: AiShandongClient, observer: RecordingObserver) -> None:
    foreigner = PERSONAS["foreigner"]  # holds a residence card, not a household register page
    assert await code_of(aishandong.household_members(foreigner.id_number)) == 20003
    first17 = "37100219900101001"
    unknown = first17 + gb11643_check_digit(first17)
    assert await code_of(aishandong.household_members(unknown)) == ErrCode.NO_SUCH_PERSON
    malformed = PARENT.id_number[:17] + "9"
    assert await code_of(aishandong.household_members(malformed)) == ErrCode.MALFORMED_NUMBER
    assert observer.records == [("aishandong", "licence.household", "business_error")] * 3


async def test_talent_licences(aishandong: AiShandongClient) -> None:
    licences = {lic.kind: lic for lic in await aishandong.licences(TALENT.id_number, LICENCE_KINDS)}
    assert set(licences) == {"degree", "professional_title", "labour_contract"}
    assert all(lic.holder_name == TALENT.name for lic in licences.values())
    degree, title = licences["degree"], licences["professional_title"]
    assert degree.attributes["level"] == TALENT.education == "doctorate"
    assert degree.valid_until is None
    assert (title.attributes["level"], title.attributes["title"]) == ("senior", "高级工程师")
    contract = licences["labour_contract"]
    assert contract.valid_until == date(2029, 6, 30)
    assert contract.attributes == {"employer": TALENT.employer, "ends_on": "2029-06-30"}


async def test_only_the_kinds_asked_for(aishandong: AiShandongClient) -> None:
    licences = await aishandong.licences(TALENT.id_number, ["degree"])
    assert [(lic.kind, lic.number) for lic in licences] == [("degree", "1021322016000417")]


async def test_elder_holds_nothing_special(aishandong: AiShandongClient) -> None:
    assert await aishandong.licences(ELDER.id_number, LICENCE_KINDS) == []


async def test_weihai_disability_certificate(aishandong: AiShandongClient) -> None:
    (card,) = await aishandong.licences(MOTHER.id_number, ["disability_certificate"])
    assert card.issuer_code.startswith("3710")
    assert card.attributes == {"category": "physical", "grade": "2"}
    assert card.number.startswith(MOTHER.id_number)
    assert (card.issued_on, card.valid_until) == (date(2022, 3, 18), date(2032, 3, 17))


async def test_card_from_outside_weihai_is_recognisable(
    aishandong: AiShandongClient, sim: Sim
) -> None:
    assert await sim.control("/_sim/licences", JINAN_CARD) == {
        "kind": "disability_certificate",
        "number": JINAN_CARD["number"],
    }
    (card,) = await aishandong.licences(ELDER.id_number, ["disability_certificate"])
    assert (card.issuer, card.issuer_code) == ("济南市历下区残疾人联合会", "370102")
    assert not card.issuer_code.startswith("3710")
    assert card.holder_name == ELDER.name


async def test_expiring_a_certificate_keeps_the_rest(
    aishandong: AiShandongClient, sim: Sim
) -> None:
    (before,) = await aishandong.licences(MOTHER.id_number, ["disability_certificate"])
    expire = {"id_number": MOTHER.id_number, "kind": "disability_certificate"}
    await sim.control("/_sim/licences", {**expire, "valid_until": "2025-12-31"})
    (after,) = await aishandong.licences(MOTHER.id_number, ["disability_certificate"])
    assert after == before.model_copy(update={"valid_until": date(2025, 12, 31)})


async def test_withdrawing_a_licence(aishandong: AiShandongClient, sim: Sim) -> None:
    body = {"id_number": MOTHER.id_number, "kind": "disability_certificate"}
    assert await sim.control("/_sim/licences", body, method="DELETE") == {"withdrawn": 1}
    assert await aishandong.licences(MOTHER.id_number, ["disability_certificate"]) == []
    assert await sim.refused("/_sim/licences", body, method="DELETE") == 404


async def test_a_second_licence_of_a_kind(aishandong: AiShandongClient, sim: Sim) -> None:
    master = {
        "id_number": TALENT.id_number, "kind": "degree", "number": "1021332013000982",
        "issuer": "哈尔滨工业大学", "issuer_code": "230103", "issued_on": "2013-07-01",
        "valid_until": None,
        "attributes": {"level": "master", "field": "机械工程", "institution": "哈尔滨工业大学"},
    }  # fmt: skip
    await sim.control("/_sim/licences", master)
    degrees = await aishandong.licences(TALENT.id_number, ["degree"])
    assert sorted(d.attributes["level"] for d in degrees) == ["doctorate", "master"]
    ambiguous = {"id_number": TALENT.id_number, "kind": "degree", "valid_until": "2030-01-01"}
    assert await sim.refused("/_sim/licences", ambiguous) == 400


@pytest.mark.parametrize(
    "change",
    [
        {"id_number": "371002199001010010"},
        {"kind": "driving_licence"},
        {"attributes": {"category": "visual", "grade": "5"}},
        {"attributes": {"category": "visual"}},
        {"issuer_code": "Jinan"},
        {"issued_on": "yesterday"},
    ],
)
async def test_malformed_licence_is_refused(sim: Sim, change: dict[str, Any]) -> None:
    assert await sim.refused("/_sim/licences", {**JINAN_CARD, **change}) == 400


async def test_a_new_licence_needs_every_field(sim: Sim) -> None:
    partial = {k: v for k, v in JINAN_CARD.items() if k != "issuer"}
    assert await sim.refused("/_sim/licences", partial) == 400


async def test_service_off_line_is_20004(
    aishandong: AiShandongClient, sim: Sim, observer: RecordingObserver
) -> None:
    offline = {"kind": "disability_certificate", "available": False}
    await sim.control("/_sim/licence-services", offline)
    asking = aishandong.licences(MOTHER.id_number, ["degree", "disability_certificate"])
    assert await code_of(asking) == ErrCode.KIND_UNAVAILABLE == 20004
    assert observer.records == [("aishandong", "licence.query", "business_error")]
    assert await aishandong.licences(MOTHER.id_number, ["degree"]) == []
    await sim.control("/_sim/licence-services", {**offline, "available": True})
    assert len(await aishandong.licences(MOTHER.id_number, ["disability_certificate"])) == 1
    assert await sim.refused("/_sim/licence-services", {"kind": "x", "available": True}) == 400


async def test_licence_query_errors(aishandong: AiShandongClient) -> None:
    first17 = "37100219900101001"
    unknown = first17 + gb11643_check_digit(first17)
    assert await code_of(aishandong.licences(unknown, ["degree"])) == ErrCode.NO_SUCH_PERSON
    malformed = TALENT.id_number[:17] + "1"
    assert await code_of(aishandong.licences(malformed, ["degree"])) == 20002
    assert await code_of(aishandong.licences(TALENT.id_number, [])) == ErrCode.BAD_PARAMETERS


async def test_calls_are_counted_and_signed(aishandong: AiShandongClient, sim: Sim) -> None:
    await aishandong.household_members(PARENT.id_number)
    await aishandong.licences(TALENT.id_number, ["degree"])
    assert await sim.calls() == {"licence.household": 1, "licence.query": 1}
    stranger = AiShandongClient(sim.session, replace(sim.platform, secret="old-secret"))
    assert await code_of(stranger.licences(TALENT.id_number, ["degree"])) == 10005
    assert await code_of(stranger.household_members(PARENT.id_number)) == 10005
