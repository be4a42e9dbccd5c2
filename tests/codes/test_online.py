"""Online mode: issued for a short window, accepted exactly once (Redis SET NX)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from codes import text
from codes.device import Device
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.issue import Issuer
from codes.keyring import Keyring
from codes.online import issue_online
from codes.verify import DEFAULT_SKEW, verify_code
from services.codes.claims import claim, verify_online


def test_issued_code_refreshes_before_it_expires(
    issuer: Issuer, subject: Subject, now: int
) -> None:
    issued = issue_online(issuer, Purpose.RIDE, subject, now=now)
    assert (issued.issued_at, issued.refresh_at, issued.expires_at) == (now, now + 30, now + 60)
    assert text.decode(issued.text) == issued.code
    assert issue_online(issuer, Purpose.RIDE, subject, now=now).code != issued.code  # nonce


async def test_code_is_accepted_once(
    redis: Redis, issuer: Issuer, keyring: Keyring, subject: Subject, now: int
) -> None:
    code = issue_online(issuer, Purpose.RIDE, subject, now=now).code
    verified = await verify_online(redis, code, keyring, purpose=Purpose.RIDE, now=now)
    assert verified.subject == subject
    with pytest.raises(CodeRejected, match="already_used"):
        await verify_online(redis, code, keyring, purpose=Purpose.RIDE, now=now + 1)
    ttl = await redis.ttl("palm:code:used:" + verified.code_id.hex())
    assert 0 < ttl <= 60 + DEFAULT_SKEW
    other = issue_online(issuer, Purpose.RIDE, subject, now=now).code
    await verify_online(redis, other, keyring, purpose=Purpose.RIDE, now=now)


async def test_hundred_concurrent_verifications_one_success(
    redis: Redis, issuer: Issuer, keyring: Keyring, subject: Subject, now: int
) -> None:
    code = issue_online(issuer, Purpose.RIDE, subject, now=now).code

    async def attempt() -> str:
        try:
            await verify_online(redis, code, keyring, purpose=Purpose.RIDE, now=now)
        except CodeRejected as exc:
            return exc.reason
        return "ok"

    outcomes = await asyncio.gather(*(attempt() for _ in range(100)))
    assert outcomes.count("ok") == 1
    assert outcomes.count("already_used") == 99


async def test_uploaded_offline_tap_is_caught_again(
    redis: Redis, phone: Device, keyring: Keyring, now: int
) -> None:
    """Two readers accepted the same code offline; the upload keeps only the first tap."""
    code = phone.make_code(now)
    taps = [verify_code(code, keyring, purpose=Purpose.RIDE, now=now) for _ in range(2)]
    uploaded_at = now + 3600  # long after the code expired
    await claim(redis, taps[0], now=uploaded_at, retention=7 * 86400)
    with pytest.raises(CodeRejected, match="already_used"):
        await claim(redis, taps[1], now=uploaded_at, retention=7 * 86400)
    assert await redis.ttl("palm:code:used:" + taps[0].code_id.hex()) > 86400
