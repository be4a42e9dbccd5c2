"""Filters for the router: message types, text, keywords, patterns, events, chat state."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import Context
from bot.router import FilterResult

Check = Callable[[Context], FilterResult | Awaitable[FilterResult]]


def msg_type(*types: str) -> Check:
    """Messages of these MsgTypes (text, image, voice, location, link, event, ...)."""
    wanted = frozenset(types)
    return lambda ctx: ctx.message.type in wanted


def text() -> Check:
    """Any non-empty text (a voice message WeChat recognised counts); passes ``text``."""

    def check(ctx: Context) -> FilterResult:
        if ctx.message.type not in ("text", "voice") or not ctx.text:
            return False
        return {"text": ctx.text}

    return check


def keywords(*words: str) -> Check:
    """Text containing any of ``words`` (case-insensitive); passes the ``keyword`` found."""
    lowered = tuple(w.casefold() for w in words)

    def check(ctx: Context) -> FilterResult:
        if ctx.message.type not in ("text", "voice"):
            return False
        content = ctx.text.casefold()
        found = next((w for w in lowered if w in content), None)
        return {"keyword": found} if found else False

    return check


def pattern(regex: str, flags: int = re.IGNORECASE) -> Check:
    """Text matching ``regex`` (searched); passes the ``match``."""
    compiled = re.compile(regex, flags)

    def check(ctx: Context) -> FilterResult:
        if ctx.message.type not in ("text", "voice"):
            return False
        found = compiled.search(ctx.text)
        return {"match": found} if found else False

    return check


def event(*names: str, key: str | None = None) -> Check:
    """Events by name (subscribe, subscribe_scan, scan, click, view, ...), optionally by key."""
    wanted = frozenset(n.lower() for n in names)

    def check(ctx: Context) -> FilterResult:
        message = ctx.message
        if message.type != "event" or message.event not in wanted:
            return False
        if key is not None and message.event_key != key:
            return False
        return {"event_key": message.event_key}

    return check


def state(name: str) -> Check:
    """The chat is at step ``name`` of an exchange; passes its ``state`` data."""

    async def check(ctx: Context) -> FilterResult:
        current = await ctx.state()
        if current is None or current.name != name:
            return False
        data: dict[str, Any] = dict(current.data)
        return {"state": data}

    return check
