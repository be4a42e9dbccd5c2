"""The WeChat callback, in one place: signature, decryption, parsing, deduplication, reply.

WeChat waits 5 seconds and then retries the same push (three times). We answer within
``deadline`` seconds; an answer that takes longer is sent afterwards as a customer-service
message by a tracked task, and the retries of a push we have seen get an empty "success".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from bot import crypto, replies
from bot.context import Context, language_of
from bot.message import MalformedMessage, Message, outer_fields, parse
from bot.router import Router
from bot.tasks import Tracker
from services import jobs, notifications
from services.bot import conversation
from services.deps import Deps
from services.errors import InvalidInput, PermissionDenied

log = logging.getLogger("palm.bot")

Kick = Callable[[list[int]], Awaitable[None]]
SUCCESS = "success"  # WeChat's "received, nothing to say"
_SEEN = "palm:bot:seen:"
_SEEN_SECONDS = 3600  # far beyond WeChat's retries (about 15 s)
_SORRY = replies.Text("抱歉，系统繁忙，请稍后再试。Sorry, something went wrong; please try again.")


@dataclass(frozen=True, slots=True)
class Account:
    """The push configuration of our account (token, EncodingAESKey, app id)."""

    token: str
    aes_key: str
    app_id: str
    max_age: int = crypto.MAX_AGE_SECONDS
    deadline: float = 4.0


@dataclass(frozen=True, slots=True)
class Runtime:
    """What handling a push needs from the application."""

    deps: Deps
    router: Router
    tracker: Tracker
    kick: Kick


def _bad_signature() -> PermissionDenied:
    return PermissionDenied("bad_signature", "签名无效。", "The signature is not valid.")


def _malformed() -> InvalidInput:
    return InvalidInput("malformed_message", "消息格式错误。", "The message is not valid XML.")


def _check(account: Account, query: Mapping[str, str], given: str, *extra: str) -> None:
    try:
        crypto.check_signature(
            account.token, query.get("timestamp", ""), query.get("nonce", ""), given, *extra,
            now=time.time(), max_age=account.max_age,
        )  # fmt: skip
    except crypto.BadSignature:
        raise _bad_signature() from None


def verify_url(account: Account, query: Mapping[str, str]) -> str:
    """URL verification (GET): the ``echostr`` back when the signature is ours."""
    _check(account, query, query.get("signature", ""))
    return query.get("echostr", "")


def read(account: Account, query: Mapping[str, str], body: bytes) -> tuple[Message, bool]:
    """The pushed message and whether it came encrypted; 403 or 400 before any handler."""
    _check(account, query, query.get("signature", ""))
    encrypted = query.get("encrypt_type", "raw") == "aes"
    try:
        if not encrypted:
            return parse(body), False
        sealed = outer_fields(body).get("Encrypt")
        if not isinstance(sealed, str) or not sealed:
            raise MalformedMessage("no Encrypt field")
        # Compatible mode also carries the message in clear: only the signed part is trusted.
        _check(account, query, query.get("msg_signature", ""), sealed)
        envelope = crypto.Envelope(account.token, account.aes_key, account.app_id)
        return parse(envelope.open(sealed)), True
    except (MalformedMessage, crypto.BadEnvelope):
        raise _malformed() from None


async def respond(account: Account, runtime: Runtime, query: Mapping[str, str], body: bytes) -> str:
    """Handle one push and return the response body (XML, sealed when the push was)."""
    message, encrypted = read(account, query, body)
    redis = runtime.deps.redis
    if not await redis.set(_SEEN + message.dedupe_key, b"1", nx=True, ex=_SEEN_SECONDS):
        return SUCCESS  # a retry of a push already being answered
    await conversation.mark_open(redis, message.source)
    ctx = Context(message, runtime.deps, datetime.now(UTC), language_of(message.content))
    reply = await _answer(account, runtime, ctx)
    if reply is None:
        return SUCCESS
    now = int(time.time())
    xml = replies.to_xml(reply, message, now)
    if not encrypted:
        return xml
    envelope = crypto.Envelope(account.token, account.aes_key, account.app_id)
    return envelope.seal(xml, crypto.new_nonce(), str(now))


async def _answer(account: Account, runtime: Runtime, ctx: Context) -> replies.Reply | None:
    task = runtime.tracker.spawn(_dispatch(runtime, ctx), f"bot:{ctx.message.dedupe_key}")
    try:
        return await asyncio.wait_for(asyncio.shield(task), account.deadline)
    except (TimeoutError, asyncio.CancelledError) as exc:
        # Too slow, or WeChat hung up: the answer still goes out, as a customer-service message.
        late = _deliver_late(runtime, ctx.message, task)
        runtime.tracker.spawn(late, f"bot-late:{ctx.message.dedupe_key}")
        if isinstance(exc, asyncio.CancelledError):
            raise
        return None


async def _dispatch(runtime: Runtime, ctx: Context) -> replies.Reply | None:
    # Its own collection of outbox messages: this may finish after the HTTP request.
    collecting = jobs.collect()
    try:
        return await runtime.router.dispatch(ctx)
    except Exception:
        log.exception("bot handler failed for a %s message", ctx.message.type)
        return _SORRY
    finally:
        added = jobs.collected(collecting)
        if added:
            await runtime.kick(added)


async def _deliver_late(
    runtime: Runtime, message: Message, task: asyncio.Task[replies.Reply | None]
) -> None:
    """Wait for an answer that missed the window; send it as a customer-service message."""
    reply = await task
    if reply is None:
        return
    msgtype, payload = replies.to_custom(reply)
    collecting = jobs.collect()
    try:
        async with in_transaction():
            key = f"bot-reply:{message.dedupe_key}"
            await notifications.send_custom(message.source, msgtype, payload, key=key)
    finally:
        added = jobs.collected(collecting)
    await runtime.kick(added)
