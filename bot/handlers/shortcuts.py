"""Shortcuts: "乘车码", "英才卡", "病历", "免押" (and English) open the mini-program page and,
for a signed-in resident, say where they stand in a line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import replies
from bot.context import Context
from bot.private import privately
from bot.router import FilterResult, Router
from services.bot.status_sources import default_registry


@dataclass(frozen=True, slots=True)
class Shortcut:
    service: str
    words: tuple[str, ...]
    page: str
    label: tuple[str, str]  # the link text in Chinese and English
    status: bool  # whether the service has a status line
    blurb: tuple[str, str] = ("", "")


SHORTCUTS = (
    Shortcut("transit", ("乘车码", "鲁通码", "公交码", "ride code", "bus code"),
             "pages/transit/code", ("打开乘车码", "Open the ride code"), True),
    Shortcut("talent", ("英才卡", "人才卡", "talent card"), "pages/talent/card",
             ("打开英才卡", "Open the talent card"), True),
    Shortcut("medical", ("病历", "medical records", "medical record", "health records"),
             "pages/medical/records",
             ("查看病历", "Open medical records"), False,
             ("可查看本人和已授权家人的就诊记录与检查检验报告。",
              "See your and your family's visits and test reports.")),
    Shortcut("credit", ("免押", "deposit waiver", "no deposit", "deposit free"),
             "pages/credit/waivers", ("查看信用免押", "Open deposit waivers"), True),
)  # fmt: skip
# Words that may stand beside the keyword in a shortcut ("我的乘车码", "my ride code"); any
# other word makes it a question for the knowledge base ("英才卡怎么申请").
_FILLERS = frozenset(
    {"", "我的", "打开", "查看", "查询", "状态", "my", "open", "show", "check", "status"}
)
_SIGN_IN = (
    "登录小程序并完成实名认证后，这里会显示您的状态。",
    "Log in to the mini-program and verify your name to see your status here.",
)
_PUNCT = re.compile(r"[\s\W_]+")


def match(ctx: Context) -> FilterResult:
    """A short message naming a shortcut; a longer one is a question for the knowledge base."""
    if ctx.message.type not in ("text", "voice"):
        return False
    text = ctx.text.casefold()
    for shortcut in SHORTCUTS:
        for word in shortcut.words:
            if word not in text:
                continue
            rest = [_PUNCT.sub("", part) for part in text.replace(word, " ").split()]
            if len(rest) <= 2 and all(part in _FILLERS for part in rest):
                return {"shortcut": shortcut}
    return False


async def reply_for(ctx: Context, shortcut: Shortcut) -> replies.Text:
    """The page link, then the resident's status (or how to see it)."""
    zh, en = shortcut.label
    link = replies.mini_program_link(ctx.app_id, shortcut.page, ctx.say(zh, en))
    if not shortcut.status:
        return replies.Text(f"{link}\n{ctx.say(*shortcut.blurb)}")
    resident = await ctx.resident()
    if resident is None or resident.verified_at is None:
        line = _SIGN_IN[0] if ctx.lang == "zh" else _SIGN_IN[1]
    else:
        today = ctx.now.date()
        line = await default_registry().line(shortcut.service, resident.id, ctx.lang, today)
    # Even "not signed in" tells who has an account: it too goes only to the openid's owner.
    return await privately(ctx, replies.Text(f"{link}\n{line}"), public=link)


def router() -> Router:
    shortcuts = Router("shortcuts")

    @shortcuts.on(match)
    async def open_page(ctx: Context, shortcut: Shortcut) -> replies.Reply:
        return await reply_for(ctx, shortcut)

    return shortcuts
