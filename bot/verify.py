"""What a push proves before any handler sees it: WeChat's signature, the configured encryption
mode, and a URL never used before with another body.

The query signature covers only token, timestamp and nonce. The body is signed only in the
encrypted modes (``msg_signature`` over ``Encrypt``), so a plain push's sender and text are
never proven: anyone holding one captured URL could have written them. Nonces are remembered
while their timestamp is acceptable, so a captured URL carries at most the body it came with.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from bot import crypto
from bot.message import MalformedMessage, Message, outer_fields, parse
from services import errors as shared
from services.bot import errors

Mode = Literal["safe", "compatible", "plain"]
_NONCE = "palm:bot:nonce:"
_SAFE_FIELDS = frozenset({"ToUserName", "Encrypt"})  # a safe-mode body holds nothing else


@dataclass(frozen=True, slots=True)
class Account:
    """The push configuration of our account (token, EncodingAESKey, app id, mode)."""

    token: str
    aes_key: str
    app_id: str
    mode: Mode = "safe"
    max_age: int = crypto.MAX_AGE_SECONDS
    deadline: float = 4.0


@dataclass(frozen=True, slots=True)
class Push:
    """A checked push. ``proven``: its body was signed, so sender and text are WeChat's."""

    message: Message
    encrypted: bool
    proven: bool


class Retry(Exception):
    """The same URL with the same body again: WeChat retrying, nothing new to handle."""


def _check(account: Account, query: Mapping[str, str], given: str, *extra: str) -> None:
    try:
        crypto.check_signature(
            account.token, query.get("timestamp", ""), query.get("nonce", ""), given, *extra,
            now=time.time(), max_age=account.max_age,
        )  # fmt: skip
    except crypto.BadSignature:
        raise shared.bad_signature() from None


def verify_url(account: Account, query: Mapping[str, str]) -> str:
    """URL verification (GET): the ``echostr`` back when the signature is ours."""
    _check(account, query, query.get("signature", ""))
    return query.get("echostr", "")


def read(account: Account, query: Mapping[str, str], body: bytes) -> Push:
    """The pushed message, checked against the mode; 403 or 400 before any handler."""
    _check(account, query, query.get("signature", ""))
    if query.get("encrypt_type", "raw") != "aes":
        if account.mode != "plain":
            # The client's word is not enough: with a key configured, clear text is refused.
            raise errors.encryption_required()
        try:
            return Push(parse(body), encrypted=False, proven=False)
        except MalformedMessage:
            raise errors.malformed_message() from None
    try:
        fields = outer_fields(body)
        sealed = fields.get("Encrypt")
        if not isinstance(sealed, str) or not sealed:
            raise MalformedMessage("no Encrypt field")
        _check(account, query, query.get("msg_signature", ""), sealed)
        if account.mode == "safe" and not set(fields) <= _SAFE_FIELDS:
            raise errors.callback_mode_mismatch()
        # Compatible mode also carries the message in clear: only the signed part is read.
        envelope = crypto.Envelope(account.token, account.aes_key, account.app_id)
        return Push(parse(envelope.open(sealed)), encrypted=True, proven=True)
    except (MalformedMessage, crypto.BadEnvelope):
        raise errors.malformed_message() from None


async def remember_nonce(
    redis: Redis, account: Account, query: Mapping[str, str], body: bytes
) -> None:
    """Refuse a signed URL used before with another body; ``Retry`` when the body is the same.

    Called after the signature checks out, so strangers cannot burn nonces. A timestamp is good
    for ``max_age`` either side of now, so the nonce is kept for twice that.
    """
    key = f"{_NONCE}{query.get('timestamp', '')}:{query.get('nonce', '')}"
    digest = hashlib.sha256(body).hexdigest()
    if await redis.set(key, digest, nx=True, ex=2 * account.max_age):
        return
    seen = await redis.get(key)
    seen_text = seen.decode() if isinstance(seen, bytes) else str(seen)
    if seen_text == digest:
        raise Retry()
    raise shared.nonce_reused()
