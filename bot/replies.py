"""What a handler answers, and how it goes out: passive XML now, or a customer-service message."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from wechatpy.replies import ArticlesReply, TextReply

from bot.message import Message


@dataclass(frozen=True, slots=True)
class Text:
    content: str


@dataclass(frozen=True, slots=True)
class Link:
    """A card that opens ``url``; sent as a news article, or as a link message later."""

    title: str
    description: str
    url: str
    pic_url: str = ""


Reply = Text | Link


def mini_program_link(app_id: str, path: str, label: str) -> str:
    """A text-message link that opens a mini-program page (WeChat renders the ``<a>``)."""
    return (
        f'<a data-miniprogram-appid="{html.escape(app_id)}" '
        f'data-miniprogram-path="{html.escape(path)}">{html.escape(label)}</a>'
    )


def to_xml(reply: Reply, message: Message, now: int) -> str:
    """The passive reply to ``message``: from our account to its sender."""
    common = {"source": message.target, "target": message.source, "time": now}
    if isinstance(reply, Text):
        return str(TextReply(content=_cdata(reply.content), **common).render())
    article = {
        "title": _cdata(reply.title),
        "description": _cdata(reply.description),
        "url": _cdata(reply.url),
        "image": _cdata(reply.pic_url),
    }
    return str(ArticlesReply(articles=[article], **common).render())


def _cdata(text: str) -> str:
    # wechatpy wraps values in CDATA without escaping: a "]]>" in an answer (an article an
    # operator wrote, a user's words quoted back) would end the section early.
    return text.replace("]]>", "]]]]><![CDATA[>")


def to_custom(reply: Reply) -> tuple[str, dict[str, Any]]:
    """The customer-service message (msgtype, payload) that carries the same answer."""
    if isinstance(reply, Text):
        return "text", {"content": reply.content}
    return "link", {
        "title": reply.title,
        "description": reply.description,
        "url": reply.url,
        "thumb_url": reply.pic_url,
    }
