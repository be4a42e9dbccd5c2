"""12345 requests in the chat: "我要反映…" (or after an unanswered question), consent to be
called back, the ticket number; and "工单进度" for where a request stands."""

from __future__ import annotations

import re
from typing import Any

from bot import filters, replies
from bot.context import Context
from bot.private import privately
from bot.router import Router
from services.bot.residents import phone_of
from services.hotline import actions, progress, tickets
from services.privacy import mask_phone

FILE = (
    r"^\s*(?:我要反映|我要投诉|我要举报|反映|投诉|举报|report|complain(?:t)?)(?![a-z])"
    r"[\s:：,，]*(.*)$"
)
PROGRESS = (
    r"(工单进度|查询工单|我的工单|工单\s*(WH\d{6,})|ticket status|my ticket|ticket\s+(WH\d{6,}))"
)
FOLLOW_UP = r"^\s*(?:补充|追加|follow[- ]?up)\s*(WH\d{6,})?[\s:：,，]+(\S.*)$"
CHASE = r"^\s*(?:催办|催一下|chase)\s*(WH\d{6,})?\s*$"
RATE = r"^\s*(?:评价|rate)\s*(WH\d{6,})?\s*([1-5])\s*(?:分|星|stars?)?[\s:：,，]*(.*)$"
_PHONE = re.compile(r"^\+?(?:86)?(1\d{10})$")
_YES = {"同意", "好", "好的", "可以", "是", "yes", "y", "ok", "agree"}
_ANONYMOUS = {"匿名", "不同意", "不", "否", "no", "n", "anonymous"}
_CANCEL = {"取消", "算了", "cancel", "stop"}


async def draft(ctx: Context, description: str) -> replies.Reply:
    """Keep the request and ask whether the platform may call back (consent first)."""
    phone = await _bound_phone(ctx)
    await ctx.set_state("hotline:consent", {"description": description, "phone": bool(phone)})
    quoted = description if len(description) <= 60 else description[:60] + "…"
    if phone:
        ask = ctx.say(
            f"是否同意把您绑定的手机号 {mask_phone(phone)} 提供给承办单位回访？"
            "回复“同意”、“匿名”或“取消”。",
            f"May the hotline call you back on {mask_phone(phone)}? "
            "Reply “yes”, “anonymous” or “cancel”.",
        )
    else:
        ask = ctx.say(
            "如同意承办单位回访，请回复您的手机号；也可回复“匿名”提交或“取消”。",
            "To be called back, reply with your phone number; or reply “anonymous” or “cancel”.",
        )
    return replies.Text(ctx.say(f"将向12345提交：「{quoted}」\n", f"To 12345: “{quoted}”\n") + ask)


async def _bound_phone(ctx: Context) -> str | None:
    """The resident's bound phone, offered for a call-back only to a proven sender."""
    resident = await ctx.resident() if ctx.proven else None
    return phone_of(resident, ctx.deps.cipher) if resident is not None else None


async def _file(ctx: Context, description: str, phone: str | None) -> replies.Reply:
    # An unproven push files for the chat only: it is not put on anyone's account.
    resident = await ctx.resident() if ctx.proven else None
    filing = tickets.Filing(
        openid=ctx.openid,
        description=description,
        contact_phone=phone,
        resident_id=resident.id if resident is not None else None,
        lang=ctx.lang,
        source_key=ctx.message.dedupe_key,
    )
    ticket = await tickets.file(ctx.deps.cipher, filing, ctx.now)
    await ctx.clear_state()
    return replies.Text(
        ctx.say(
            f"已提交12345热线，工单号 {ticket.number}。办理进展会在这里通知您，"
            "发送“工单进度”可随时查询。",
            f"Filed with the 12345 hotline: ticket {ticket.number}. We will tell you here as it "
            "moves on; send “ticket status” any time.",
        )
    )


async def _progress(ctx: Context, number: str | None) -> replies.Reply:
    return await privately(ctx, await _history(ctx, number))


async def _history(ctx: Context, number: str | None) -> replies.Text:
    ticket = await tickets.find(ctx.openid, number)
    if ticket is None:
        return replies.Text(ctx.say("没有找到您的工单。", "No such ticket of yours."))
    ticket = await progress.refresh(ctx.deps, ticket, relay=False)
    lines = [ctx.say(f"工单 {ticket.number}：", f"Ticket {ticket.number}:")]
    for event in await tickets.history(ticket):
        zh, en = progress.STATUS_TEXT[event.status]
        when = event.at.astimezone(progress.CHINA).strftime("%m-%d %H:%M")
        note = f" {event.note}" if event.note else ""
        lines.append(f"{when} {ctx.say(zh, en)}{note}")
    if len(lines) == 1:
        lines.append(ctx.say("已记录，正在提交12345。", "Recorded, being sent to 12345."))
    return replies.Text("\n".join(lines))


async def _act(ctx: Context, number: str | None, kind: str, match: re.Match[str]) -> replies.Reply:
    if not ctx.proven:  # an unsigned push may be anyone's: act for no one
        zh, en = "请在小程序“我的工单”中操作。", "Please use My tickets in the mini-program."
        return replies.Text(ctx.say(zh, en))
    ticket = await tickets.find(ctx.openid, number)
    if ticket is None:
        return replies.Text(ctx.say("没有找到您的工单。", "No such ticket of yours."))
    if kind == "follow_up":
        await actions.follow_up(ctx.deps, ticket, match[2].strip()[:500])
        done = ctx.say("已补充到工单", "Added to ticket")
    elif kind == "chase":
        await actions.chase(ctx.deps, ticket, ctx.now)
        done = ctx.say("已催办工单", "Chased ticket")
    else:
        await actions.rate(ctx.deps, ticket, int(match[2]), match[3].strip()[:500])
        done = ctx.say("感谢评价，已提交工单", "Thank you: rating sent for ticket")
    end = "。" if ctx.lang == "zh" else "."
    return replies.Text(f"{done} {ticket.number}{end}")


def router() -> Router:
    hotline = Router("hotline")

    @hotline.on(filters.state("hotline:consent"), filters.text())
    async def consent(ctx: Context, state: dict[str, Any], text: str) -> replies.Reply:
        answer, description = text.strip().casefold(), str(state["description"])
        phone = _PHONE.match(answer.replace(" ", "").replace("-", ""))
        if answer in _CANCEL:
            await ctx.clear_state()
            return replies.Text(ctx.say("已取消，未提交。", "Cancelled; nothing was filed."))
        if phone:
            return await _file(ctx, description, phone[1])
        if answer in _YES and state.get("phone") and (known := await _bound_phone(ctx)):
            return await _file(ctx, description, known)
        if answer in _ANONYMOUS:
            return await _file(ctx, description, None)
        return await draft(ctx, description)  # not an answer: ask again

    @hotline.on(filters.state("hotline:describe"), filters.text())
    async def described(ctx: Context, state: dict[str, Any], text: str) -> replies.Reply:
        return await draft(ctx, text)

    @hotline.on(
        filters.state("kb:offer"), filters.pattern(r"^\s*(反映|提交|转12345|file it|submit)\s*$")
    )
    async def file_unanswered(ctx: Context, state: dict[str, Any], **_: Any) -> replies.Reply:
        return await draft(ctx, str(state["question"]))

    @hotline.on(filters.pattern(FILE, re.IGNORECASE | re.DOTALL))
    async def report(ctx: Context, match: re.Match[str]) -> replies.Reply:
        description = match[1].strip()
        if description:
            return await draft(ctx, description)
        await ctx.set_state("hotline:describe")
        return replies.Text(ctx.say("请描述您要反映的问题。", "Please describe the problem."))

    @hotline.on(filters.pattern(PROGRESS))
    async def ticket_progress(ctx: Context, match: re.Match[str]) -> replies.Reply:
        return await _progress(ctx, match[2] or match[3])

    @hotline.on(filters.pattern(FOLLOW_UP, re.IGNORECASE | re.DOTALL))
    async def follow_up(ctx: Context, match: re.Match[str]) -> replies.Reply:
        return await _act(ctx, match[1], "follow_up", match)

    @hotline.on(filters.pattern(CHASE))
    async def chase(ctx: Context, match: re.Match[str]) -> replies.Reply:
        return await _act(ctx, match[1], "chase", match)

    @hotline.on(filters.pattern(RATE, re.IGNORECASE | re.DOTALL))
    async def rate(ctx: Context, match: re.Match[str]) -> replies.Reply:
        return await _act(ctx, match[1], "rating", match)

    return hotline
