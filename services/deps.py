"""Everything a service may need from outside, gathered once by the app (and the job worker)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from integrations.aishandong.client import AiShandongClient
from integrations.credit.client import CreditClient
from integrations.health.client import HealthClient
from integrations.hotline.client import HotlineClient
from integrations.talent.client import TalentClient
from integrations.wechat.client import WeChatClient
from integrations.wechatpay.client import WeChatPayClient
from services.codes.snapshot import KeyCache
from services.identity.wechat_token import AccessTokenHolder
from services.privacy import FieldCipher


@dataclass(frozen=True, slots=True)
class Deps:
    """Shared resources and one client per platform; passed to services and job handlers."""

    redis: Redis
    cipher: FieldCipher
    wechat: WeChatClient
    wechat_tokens: AccessTokenHolder
    aishandong: AiShandongClient
    talent: TalentClient
    credit: CreditClient
    health: HealthClient
    hotline: HotlineClient
    wechatpay: WeChatPayClient
    codes: KeyCache  # the active issuer key and keyring snapshot for signed codes
    settings: Any  # palm.settings.Settings; typed loosely so services never import the wiring
    base_url: Callable[[], str]  # where platforms call us back (PALM_PUBLIC_URL or our address)
