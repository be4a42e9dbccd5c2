"""The router on its own: filters, first match, fallback, error handlers, chat state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot import filters, replies
from bot.context import Context, language_of
from bot.message import Message
from bot.router import NoRoute, Router


def _ctx(kind: str = "text", content: str = "", event: str = "", key: str = "") -> Context:
    message = Message(
        type=kind,
        source="o-1",
        target="gh",
        create_time=1,
        content=content,
        event=event,
        event_key=key,
    )
    return Context(message, deps=None, now=datetime.now(UTC))  # type: ignore[arg-type]


def _text(reply: replies.Reply | None) -> str:
    assert isinstance(reply, replies.Text)
    return reply.content


async def test_first_match_wins_and_dict_filters_feed_the_handler() -> None:
    router = Router("t")

    @router.on(filters.keywords("乘车码", "ride code"))
    async def first(ctx: Context, keyword: str) -> replies.Reply:
        return replies.Text(f"first:{keyword}")

    @router.on(filters.pattern(r"乘车(\w)"))
    async def second(ctx: Context, match: Any) -> replies.Reply:
        return replies.Text("second")

    assert _text(await router.dispatch(_ctx(content="我的乘车码"))) == "first:乘车码"
    assert _text(await router.dispatch(_ctx(content="My RIDE CODE"))) == "first:ride code"
    assert _text(await router.dispatch(_ctx(content="乘车卡"))) == "second"
    with pytest.raises(NoRoute):
        await router.dispatch(_ctx(content="别的"))


async def test_children_then_fallback() -> None:
    root, child = Router("root"), Router("child")

    @child.on(filters.event("click", key="HELP"))
    async def helped(ctx: Context, event_key: str) -> replies.Reply:
        return replies.Text(f"help:{event_key}")

    @child.on(filters.msg_type("image", "voice"))
    async def media(ctx: Context) -> replies.Reply:
        return replies.Text("media")

    @root.fallback
    async def other(ctx: Context) -> None:
        return None

    root.include(child)
    assert _text(await root.dispatch(_ctx("event", event="click", key="HELP"))) == "help:HELP"
    assert _text(await root.dispatch(_ctx("image"))) == "media"
    assert await root.dispatch(_ctx("event", event="click", key="OTHER")) is None
    assert await root.dispatch(_ctx("location")) is None


async def test_the_most_specific_error_handler_answers() -> None:
    root, child = Router("root"), Router("child")

    class Special(LookupError):
        pass

    @child.on(filters.text())
    async def boom(ctx: Context, text: str) -> replies.Reply:
        raise {"key": KeyError, "special": Special, "other": RuntimeError}[text]("x")

    @root.error(LookupError)
    async def lookup(ctx: Context, exc: Exception) -> replies.Reply:
        return replies.Text("lookup")

    @child.error(Special)
    async def special(ctx: Context, exc: Exception) -> replies.Reply:
        return replies.Text("special")

    root.include(child)
    assert _text(await root.dispatch(_ctx(content="key"))) == "lookup"
    assert _text(await root.dispatch(_ctx(content="special"))) == "special"
    with pytest.raises(RuntimeError):
        await root.dispatch(_ctx(content="other"))


async def test_text_filters_ignore_other_types_and_read_recognised_voice() -> None:
    assert filters.text()(_ctx("image")) is False
    assert filters.text()(_ctx("voice", content="乘车码")) == {"text": "乘车码"}
    assert filters.keywords("免押")(_ctx("event", event="click")) is False


def test_language_follows_the_writing() -> None:
    assert language_of("How do I renew?") == "en"
    assert language_of("英才卡 renew") == "zh"
    assert language_of("12345") == "zh"
