"""The bot's router: intents in the order they are tried, a fallback, error handlers."""

from __future__ import annotations

from functools import cache

from bot import replies
from bot.context import Context
from bot.handlers import events, hotline, media, qa, shortcuts
from bot.router import Router
from integrations.base import PlatformError, PlatformUnavailable
from services.errors import DomainError


@cache
def build() -> Router:
    """Built once: routers hold no state, only the table of filters and handlers."""
    root = Router("bot")
    # Chat state first (a step of filing a request), then shortcuts, then questions.
    root.include(events.router(), hotline.router(), shortcuts.router(), qa.router(), media.router())

    @root.fallback
    async def anything_else(ctx: Context) -> replies.Reply:
        return replies.Text(
            ctx.say(
                "暂不支持这类消息，请用文字提问。", "I can only read text for now: please type."
            )
        )

    @root.error(DomainError)
    async def refused(ctx: Context, exc: Exception) -> replies.Reply:
        if isinstance(exc, DomainError):  # always: registered for this type
            return replies.Text(ctx.say(exc.message_zh, exc.message_en))
        raise exc

    @root.error(PlatformUnavailable)
    @root.error(PlatformError)
    async def platform_down(ctx: Context, exc: Exception) -> replies.Reply:
        return replies.Text(
            ctx.say(
                "相关平台暂时无法访问，请稍后再试。",
                "The service is not reachable right now; please try again later.",
            )
        )

    return root
