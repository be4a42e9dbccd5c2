"""Answers that hold a resident's own data (status, tickets) go only where the openid reads them.

A passive reply goes back to whoever made the HTTP request. For a proven (encrypted) push that
is WeChat, on the sender's behalf; for a plain push it may be anyone who captured a callback
URL and wrote another resident's openid into ``FromUserName``. Such answers are then sent as a
customer-service message to that openid, which only its owner reads, and the passive reply
says so without the data.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import replies
from bot.context import Context
from services import notifications

_SENT = (
    "相关个人信息已通过客服消息单独发送给您本人。",
    "Your personal details were sent to you in a separate message.",
)


async def privately(ctx: Context, reply: replies.Text, public: str = "") -> replies.Text:
    """``reply`` itself when the push is proven; otherwise sent to the openid, and a notice.

    ``public`` is what may still be said in the passive reply (a page link, say).
    """
    if ctx.proven:
        return reply
    msgtype, payload = replies.to_custom(reply)
    async with in_transaction():
        key = f"bot-private:{ctx.message.dedupe_key}"
        await notifications.send_custom(ctx.openid, msgtype, payload, key=key)
    notice = ctx.say(*_SENT)
    return replies.Text(f"{public}\n{notice}" if public else notice)
