"""Messages the bot cannot read (pictures, unrecognised voice, video) and locations."""

from __future__ import annotations

from bot import filters, replies
from bot.context import Context
from bot.router import Router


def router() -> Router:
    media = Router("media")

    @media.on(filters.msg_type("image", "video", "shortvideo"))
    async def picture(ctx: Context) -> replies.Reply:
        return replies.Text(
            "我暂时看不懂图片和视频，请用文字描述您的问题；要反映问题，请发送“我要反映”加描述。\n"
            "I cannot read pictures yet: please describe it in words, or send “report …”."
        )

    @media.on(filters.msg_type("voice"))
    async def unheard(ctx: Context) -> replies.Reply:
        # A voice message WeChat recognised is text and was handled before this router.
        return replies.Text("没听清您的语音，请用文字再说一遍。Sorry, please type your question.")

    @media.on(filters.msg_type("location"))
    async def location(ctx: Context) -> replies.Reply:
        place = ctx.message.label or ctx.say("该位置", "that place")
        return replies.Text(
            ctx.say(
                f"已收到位置：{place}。如需反映该处的问题，请发送“我要反映”加描述和地点。",
                f"Got the location {place}. To report a problem there, send “report …” with it.",
            )
        )

    return media
