"""The chat bot's doors: WeChat's message push, and the 12345 platform's progress pushes."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot import entry, verify
from palm import keys
from palm.api import Api, ApiModel
from services.hotline import progress

api = Api("bot")


class HotlineAck(ApiModel):
    code: int
    message: str


class WeChatQuery(BaseModel):
    """What WeChat puts in the callback URL, each value bounded; other parameters are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    signature: str = Field(default="", max_length=64)
    timestamp: str = Field(default="", max_length=12)
    nonce: str = Field(default="", max_length=64)
    msg_signature: str = Field(default="", max_length=64)
    encrypt_type: str = Field(default="raw", max_length=8)
    echostr: str = Field(default="", max_length=256)
    openid: str = Field(default="", max_length=64)


def _account(request: web.Request) -> verify.Account:
    settings = request.app[keys.SETTINGS]
    return verify.Account(
        settings.wechat_token,
        settings.wechat_aes_key,
        settings.wechat.app_id,
        settings.wechat_callback_mode,
    )


@api.get("/wechat/callback", auth="signed", query=WeChatQuery, content_type="text/plain",
         errors=(403,))  # fmt: skip
async def wechat_verify(request: web.Request, query: WeChatQuery) -> web.Response:
    """WeChat's URL check: ``echostr`` comes back when the signature is made with our token."""
    return web.Response(text=verify.verify_url(_account(request), query.model_dump()))


@api.post("/wechat/callback", auth="signed", query=WeChatQuery, content_type="application/xml",
          errors=(400, 403))  # fmt: skip
async def wechat_push(request: web.Request, query: WeChatQuery) -> web.Response:
    """A message or event from WeChat, in the configured mode (safe by default); XML back.

    Signatures are checked first (403: bad, stale, reused, or clear text where encryption is
    required), then the XML (400); a repeated push gets "success".
    """
    app = request.app
    runtime = entry.Runtime(
        app[keys.DEPS], app[keys.BOT_ROUTER], app[keys.BOT_TASKS], app[keys.JOBS].kick
    )
    text = await entry.respond(_account(request), runtime, query.model_dump(), await request.read())
    kind = "text/plain" if text == entry.SUCCESS else "application/xml"
    return web.Response(text=text, content_type=kind)


@api.post("/api/v1/hotline/callback", auth="signed", response=HotlineAck, errors=(400, 403, 404))
async def hotline_progress(request: web.Request) -> HotlineAck:
    """The 12345 platform reports a ticket's progress (signed like our requests to it)."""
    body = await request.read()
    deps = request.app[keys.DEPS]
    await progress.receive_push(deps, request.headers, request.method, request.path_qs, body)
    return HotlineAck(code=0, message="ok")
