"""Events: a new follower is welcomed, menu clicks and scanned codes open a shortcut."""

from __future__ import annotations

from bot import filters, replies
from bot.context import Context
from bot.handlers import shortcuts
from bot.router import Router

WELCOME = (
    "欢迎使用威海掌上服务！直接提问政务服务问题，或发送：\n"
    "“乘车码”“英才卡”“病历”“免押”——打开服务并查看状态\n"
    "“我要反映”+问题——提交12345热线\n“工单进度”——查询办理情况\n"
    "Ask in English any time: try “ride code”, “talent card” or “report …”."
)
# Menu buttons (CLICK keys) and QR-code scenes (SCAN keys) that open a shortcut.
KEYS = {"RIDE_CODE": "transit", "TALENT_CARD": "talent", "RECORDS": "medical", "WAIVER": "credit"}


def _shortcut(key: str) -> shortcuts.Shortcut | None:
    service = KEYS.get(key.upper(), key.lower())
    return next((s for s in shortcuts.SHORTCUTS if s.service == service), None)


def router() -> Router:
    events = Router("events")

    @events.on(filters.event("subscribe", "subscribe_scan", "user_enter_tempsession"))
    async def welcome(ctx: Context, event_key: str) -> replies.Reply:
        shortcut = _shortcut(event_key) if event_key else None
        if shortcut is not None:  # followed by scanning a service's code: open it too
            opened = await shortcuts.reply_for(ctx, shortcut)
            return replies.Text(f"{WELCOME}\n\n{opened.content}")
        return replies.Text(WELCOME)

    @events.on(filters.event("click", "scan"))
    async def menu(ctx: Context, event_key: str) -> replies.Reply | None:
        if event_key.upper() == "HELP":
            return replies.Text(WELCOME)
        shortcut = _shortcut(event_key)
        return None if shortcut is None else await shortcuts.reply_for(ctx, shortcut)

    @events.on(filters.msg_type("event"))
    async def other_event(ctx: Context) -> None:
        return None  # unsubscribe, view, location reports…: nothing to say

    return events
