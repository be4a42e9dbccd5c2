"""Questions answered from the knowledge base: the best article with its source, or the top
suggestions and an offer to file the question with the 12345 hotline."""

from __future__ import annotations

from typing import Any

from bot import filters, replies
from bot.context import Context
from bot.router import Router
from services.kb import answer
from services.kb.articles import Article

MAX_BODY = 600  # characters: a passive text reply holds about 2 KB


def _title(ctx: Context, article: Article) -> str:
    return article.title_en if ctx.lang == "en" and article.title_en else article.title


def render(ctx: Context, article: Article, related: tuple[Article, ...]) -> str:
    """An article as a chat answer: title, body, source and date, then related titles."""
    body = article.body_en if ctx.lang == "en" and article.body_en else article.body
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + "…"
    day = article.updated.isoformat()
    lines = [f"【{_title(ctx, article)}】", body, ctx.say(
        f"来源：{article.source}（更新于{day}）", f"Source: {article.source} (updated {day})"
    )]  # fmt: skip
    if related:
        lines.append(ctx.say("相关问题（回复数字查看）：", "Related (reply with a number):"))
        lines += [f"{n}. {_title(ctx, a)}" for n, a in enumerate(related, 1)]
    return "\n".join(lines)


async def respond(ctx: Context, question: str) -> replies.Reply:
    """Answer ``question``; remember the suggestions so "1", "2"… and "反映" work next."""
    found = await answer.ask(ctx.deps.redis, question)
    slugs = [a.slug for a in found.suggestions]
    await ctx.set_state("kb:offer", {"question": question, "slugs": slugs})
    if found.best is not None:
        return replies.Text(render(ctx, found.best, found.suggestions))
    offer = ctx.say("回复“反映”可把这个问题提交12345热线，由工作人员答复。",
                    "Reply “file it” to send this question to the 12345 hotline.")  # fmt: skip
    if not found.suggestions:
        sorry = ctx.say("抱歉，我还回答不了这个问题。", "Sorry, I cannot answer that yet.")
        return replies.Text(f"{sorry}\n{offer}")
    lines = [ctx.say("没有找到确切的答案，您是不是想问：", "No exact answer. Did you mean:")]
    lines += [f"{n}. {_title(ctx, a)}" for n, a in enumerate(found.suggestions, 1)]
    lines += [ctx.say("回复数字查看。", "Reply with a number to read one."), offer]
    return replies.Text("\n".join(lines))


def router() -> Router:
    qa = Router("qa")

    @qa.on(filters.state("kb:offer"), filters.pattern(r"^\s*([1-9])\s*$"))
    async def pick(ctx: Context, state: dict[str, Any], **kwargs: Any) -> replies.Reply:
        slugs = list(state.get("slugs") or [])
        choice = int(kwargs["match"][1])
        article = (
            await answer.by_slug(ctx.deps.redis, slugs[choice - 1])
            if choice <= len(slugs)
            else None
        )
        if article is None:
            return await respond(ctx, ctx.text)
        return replies.Text(render(ctx, article, ()))

    @qa.on(filters.text())
    async def question(ctx: Context, text: str) -> replies.Reply:
        return await respond(ctx, text)

    return qa
