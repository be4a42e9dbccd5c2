"""Everything a service may need from outside, gathered once by the app (and the job worker)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from redis.asyncio import Redis

from integrations.aishandong.client import AiShandongClient
from integrations.base import Platform
from integrations.credit.client import CreditClient
from integrations.health.client import HealthClient
from integrations.hotline.client import HotlineClient
from integrations.talent.client import TalentClient
from integrations.wechat.client import WeChatClient
from integrations.wechatpay.client import WeChatPayClient
from services.codes.snapshot import KeyCache
from services.identity.sessions import Sessions
from services.identity.wechat_token import AccessTokenHolder
from services.localcopy import Changes
from services.medical.access_writer import AccessWriter
from services.medical.config import MedicalConfig
from services.privacy import FieldCipher
from services.ratelimit import Limiter


class ServiceSettings(Protocol):
    """The settings services and the bot read; ``palm.settings.Settings`` satisfies it.

    Named here so services never import the wiring; add an attribute when a service needs it.
    """

    @property
    def wechat(self) -> Platform: ...  # the mini-program (its app id in links and payments)

    @property
    def data_dir(self) -> Path: ...  # where uploaded evidence is kept

    @property
    def medical(self) -> MedicalConfig: ...  # cache ages, breaker, consent codes


@dataclass(frozen=True, slots=True)
class Deps:
    """Shared resources and one client per platform; passed to services and job handlers."""

    redis: Redis
    changes: Changes  # what this process keeps of others' truth, and the news of its changes
    sessions: Sessions  # sessions in Redis and this process's copy of them
    limiter: Limiter  # rate-limit counts, sent to Redis in batches
    cipher: FieldCipher
    access_log: AccessWriter  # record reads' log entries, written together (group commit)
    wechat: WeChatClient
    wechat_tokens: AccessTokenHolder
    aishandong: AiShandongClient
    talent: TalentClient
    credit: CreditClient
    health: HealthClient
    hotline: HotlineClient
    wechatpay: WeChatPayClient
    codes: KeyCache  # the active issuer key and keyring snapshot for signed codes
    settings: ServiceSettings
    base_url: Callable[[], str]  # where platforms call us back (PALM_PUBLIC_URL or our address)
