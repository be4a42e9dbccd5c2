"""Online mode: short-lived codes signed by the server, each accepted once (Redis SET NX)."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from codes import text
from codes.errors import CodeRejected
from codes.fields import Attributes, Purpose, Subject
from codes.issue import ONLINE_VALIDITY, REFRESH_SECONDS, Issuer, issue_code
from codes.keyring import Keyring
from codes.verify import DEFAULT_SKEW, VerifiedCode, verify_code

_USED_PREFIX = "palm:code:used:"
_NO_ATTRIBUTES = Attributes()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code for the mini-program to show, and when to fetch the next one."""

    code: bytes
    issued_at: int
    expires_at: int
    refresh_at: int

    @property
    def text(self) -> str:
        """The QR payload (base45, QR alphanumeric mode)."""
        return text.encode(self.code)


def issue_online(
    issuer: Issuer,
    purpose: Purpose,
    subject: Subject,
    *,
    now: int,
    attributes: Attributes = _NO_ATTRIBUTES,
    validity: int = ONLINE_VALIDITY,
    refresh: int = REFRESH_SECONDS,
) -> IssuedCode:
    """Sign an online code valid ``validity`` s from ``now``, to be replaced after ``refresh`` s."""
    code = issue_code(issuer, purpose, subject, now=now, validity=validity, attributes=attributes)
    return IssuedCode(code, now, now + validity, now + min(refresh, validity))


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
