"""Shortcuts open the mini-program page and tell a signed-in resident where they stand."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from aiohttp.test_utils import TestClient

from models.identity.residents import Resident
from services.bot.status import Registry
from tests.bot.conftest import WeChat


async def test_each_shortcut_opens_its_page(wechat: WeChat) -> None:
    pages = {
        "乘车码": "pages/transit/code",
        "英才卡": "pages/talent/card",
        "病历": "pages/medical/records",
        "免押": "pages/credit/waivers",
        "my ride code": "pages/transit/code",
        "talent card": "pages/talent/card",
        "medical records": "pages/medical/records",
        "deposit waiver": "pages/credit/waivers",
    }
    for word, page in pages.items():
        reply = await wechat.say("o-short-1", word)
        assert f'data-miniprogram-appid="{wechat.app_id}"' in reply
        assert f'data-miniprogram-path="{page}"' in reply, word
    assert "Log in to the mini-program" in await wechat.say("o-short-1", "talent card")
    # A question naming a service is a question, not a shortcut.
    assert (await wechat.say("o-short-1", "英才卡怎么续期")).startswith("【")


async def test_a_resident_gets_their_status_lines(
    client: TestClient, wechat: WeChat, resident_openid: str
) -> None:
    resident = await Resident.get(openid=resident_openid)
    assert "没有开通乘车码" in await wechat.say(resident_openid, "乘车码")
    assert "还没有英才卡" in await wechat.say(resident_openid, "英才卡")
    assert "没有进行中的免押" in await wechat.say(resident_openid, "免押")
    assert "You have no talent card yet." in await wechat.say(resident_openid, "talent card")

    from models.talent.cards import TalentCard, TalentTier
    from models.transit.accounts import PaymentMethod, TransitAccount

    await TransitAccount.create(
        rider_hash=uuid.uuid4().hex,
        rider_id_number_enc="x",
        rider_birth_date=date(1990, 1, 1),
        rider=resident,
        payer=resident,
        payment_method=PaymentMethod.DEDUCTION,
        arrears_fen=350,
        terms_version="1",
    )
    until = date.today() + timedelta(days=400)
    key = f"resident:{resident.id}"
    await TalentCard.create(
        resident=resident,
        holder_key=key,
        active_key=key,
        name_enc="x",
        talent_class="B",
        tier=TalentTier.GOLD,
        valid_from=date.today(),
        valid_until=until,
        issued_at=datetime.now(UTC),
    )
    assert "欠费 3.50 元" in await wechat.say(resident_openid, "我的乘车码")
    assert f"金卡，有效期至{until.isoformat()}" in await wechat.say(resident_openid, "英才卡")
    assert "Ride code: 3.50 yuan unpaid" in await wechat.say(resident_openid, "ride code")


class _Missing:
    name = ("缺", "missing")

    async def line(self, resident_id: uuid.UUID, lang: str, today: date) -> str:
        import models.no_such_service  # type: ignore[import-not-found]  # noqa: F401

        return "unreachable"


class _Broken:
    name = ("坏", "broken")

    async def line(self, resident_id: uuid.UUID, lang: str, today: date) -> str:
        raise RuntimeError("the service's tables changed")


async def test_missing_or_broken_services_are_not_available() -> None:
    registry = Registry()
    registry.register("missing", _Missing)
    registry.register("broken", _Broken)
    someone, today = uuid.uuid4(), date.today()
    for service in ("missing", "broken", "never-registered"):
        assert await registry.line(service, someone, "zh", today) == "该服务状态暂时无法查询。"
    assert (
        await registry.line("missing", someone, "en", today) == "This status is not available now."
    )
