"""Fixtures for the code engine: an issuer and keyring, a phone, Redis, and the key store."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import fakeredis
import pytest
from redis.asyncio import Redis
from tortoise.context import TortoiseContext

from codes.device import Device
from codes.fields import Attributes, Group, Purpose, Subject
from codes.issue import Issuer, certify_device
from codes.keyring import Keyring, KeyStatus, PublicKey
from codes.signing import Algorithm, generate
from models.codes import IssuerKey, KeyringVersion, RevocationEntry
from palm import storage
from palm.settings import Settings

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


def public(issuer: Issuer, status: KeyStatus = KeyStatus.ACTIVE) -> PublicKey:
    return PublicKey(issuer.kid, issuer.signer.algorithm, issuer.signer.public_bytes(), status)


@pytest.fixture
def now() -> int:
    return NOW


@pytest.fixture
def issuer() -> Issuer:
    return Issuer(7, generate(Algorithm.P256))


@pytest.fixture
def keyring(issuer: Issuer) -> Keyring:
    return Keyring([public(issuer)], version=1)


@pytest.fixture
def subject() -> Subject:
    return Subject.from_uuid(uuid.UUID("0b6f3c1e-5a7d-4e2b-9c41-3d8a6f0e2b17"))


@pytest.fixture
def phone(issuer: Issuer, subject: Subject, now: int) -> Device:
    """A phone with a registered P-256 key and a ride certificate valid for a day."""
    device = Device.generate()
    device.install(
        certify_device(
            issuer,
            Purpose.RIDE,
            subject,
            algorithm=device.algorithm,
            public_key=device.public_key,
            expires_at=now + 86400,
            spend_limit_fen=5000,
            attributes=Attributes(group=Group.SENIOR_FREE),
        )
    )
    return device


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """The suite's Redis when REDIS_URL is set (flushed first), else an in-process fake."""
    url = os.environ.get("REDIS_URL")
    client: Redis = Redis.from_url(url) if url else fakeredis.FakeAsyncRedis()
    if url:
        await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[None]:
    """The suite's test database, with the code tables emptied afterwards."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=storage.tortoise_config(settings))
        try:
            yield
        finally:
            for model in (IssuerKey, RevocationEntry, KeyringVersion):
                await model.all().delete()
