"""Each code accepted once: a Redis ``SET NX`` on the code's id, shared by every process."""

from __future__ import annotations

from redis.asyncio import Redis

from codes.errors import CodeRejected
from codes.fields import Purpose
from codes.keyring import Keyring
from codes.verify import DEFAULT_SKEW, VerifiedCode, verify_code

_USED_PREFIX = "palm:code:used:"


async def claim(
    redis: Redis,
    verified: VerifiedCode,
    *,
    now: int,
    skew: int = DEFAULT_SKEW,
    retention: int | None = None,
) -> None:
    """Mark a verified code used; raises already_used if it was marked before.

    The mark lives until the code could no longer verify anyway, or ``retention`` seconds for
    taps uploaded by offline validators, whose codes may arrive after they expired.
    """
    ttl = retention if retention is not None else verified.expires_at + skew - now
    key = _USED_PREFIX + verified.code_id.hex()
    if not await redis.set(key, b"1", nx=True, ex=max(1, ttl)):
        raise CodeRejected("already_used")


async def release(redis: Redis, verified: VerifiedCode) -> None:
    """Undo a claim whose use did not go through, so the resident's code still works."""
    await redis.delete(_USED_PREFIX + verified.code_id.hex())


async def verify_online(
    redis: Redis,
    code: bytes,
    keyring: Keyring,
    *,
    purpose: Purpose,
    now: int,
    skew: int = DEFAULT_SKEW,
) -> VerifiedCode:
    """Verify a code and spend it: of any number of concurrent calls, one succeeds."""
    verified = verify_code(code, keyring, purpose=purpose, now=now, skew=skew)
    await claim(redis, verified, now=now, skew=skew)
    return verified
