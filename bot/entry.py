"""The WeChat callback, in one place: proof (``bot.verify``), deduplication, reply.

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

from bot import crypto, replies, verify
from bot.context import Context, language_of
from bot.message import Message
from bot.router import Router
from bot.tasks import Tracker
from bot.verify import Account
from services import jobs, notifications
from services.bot import conversation
from services.deps import Deps
from services.identity import residents

log = logging.getLogger("palm.bot")

Kick = Callable[[list[int]], Awaitable[None]]
SUCCESS = "success"  # WeChat's "received, nothing to say"
_SEEN = "palm:bot:seen:"
_SEEN_SECONDS = 3600  # far beyond WeChat's retries (about 15 s)
_SORRY = replies.Text("抱歉，系统繁忙，请稍后再试。Sorry, something went wrong; please try again.")


@dataclass(frozen=True, slots=True)
class Runtime:
    """What handling a push needs from the application."""

    deps: Deps
    router: Router
    tracker: Tracker
    kick: Kick


async def respond(account: Account, runtime: Runtime, query: Mapping[str, str], body: bytes) -> str:
    """Handle one push and return the response body (XML, sealed when the push was)."""
    push = verify.read(account, query, body)
    redis = runtime.deps.redis
    try:
        await verify.remember_nonce(redis, account, query, body)
    except verify.Retry:
        return SUCCESS
    message = push.message
    if not await redis.set(_SEEN + message.dedupe_key, b"1", nx=True, ex=_SEEN_SECONDS):
        return SUCCESS  # a retry of a push already being answered
    await conversation.mark_open(redis, message.source)
    now_utc = datetime.now(UTC)
    # The resident's chosen language, when the push is proven theirs; else the message's own.
    chosen = (
        await residents.language_of(message.source, runtime.deps.changes) if push.proven else None
    )
    lang = chosen.value if chosen else language_of(message.content)
    ctx = Context(message, runtime.deps, now_utc, lang, push.proven)
    reply = await _answer(account, runtime, ctx)
    if reply is None:
        return SUCCESS
    now = int(time.time())
    xml = replies.to_xml(reply, message, now)
    if not push.encrypted:
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
