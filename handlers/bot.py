"""The chat bot's doors: WeChat's message push, and the 12345 platform's progress pushes."""

from __future__ import annotations

from aiohttp import web

from bot import entry
from palm import keys
from palm.api import Api, ApiModel
from services.hotline import progress

api = Api("bot")


class HotlineAck(ApiModel):
    code: int
    message: str


def _account(request: web.Request) -> entry.Account:
    settings = request.app[keys.SETTINGS]
    return entry.Account(settings.wechat_token, settings.wechat_aes_key, settings.wechat.app_id)


@api.get("/wechat/callback", auth="signed", content_type="text/plain", errors=(403,))
async def wechat_verify(request: web.Request) -> web.Response:
    """WeChat's URL check: ``echostr`` comes back when the signature is made with our token."""
    return web.Response(text=entry.verify_url(_account(request), request.query))


@api.post("/wechat/callback", auth="signed", content_type="application/xml", errors=(400, 403))
async def wechat_push(request: web.Request) -> web.Response:
    """A message or event from WeChat (plain, compatible or safe mode); the reply in XML.

    Signatures are checked first (403), then the XML (400); a repeated push gets "success".
    """
    app = request.app
    runtime = entry.Runtime(
        app[keys.DEPS], app[keys.BOT_ROUTER], app[keys.BOT_TASKS], app[keys.JOBS].kick
    )
    text = await entry.respond(_account(request), runtime, request.query, await request.read())
    kind = "text/plain" if text == entry.SUCCESS else "application/xml"
    return web.Response(text=text, content_type=kind)


@api.post("/api/v1/hotline/callback", auth="signed", response=HotlineAck, errors=(400, 403, 404))
async def hotline_progress(request: web.Request) -> HotlineAck:
    """The 12345 platform reports a ticket's progress (signed like our requests to it)."""
    body = await request.read()
    deps = request.app[keys.DEPS]
    await progress.receive_push(deps, request.headers, request.method, request.path_qs, body)
    return HotlineAck(code=0, message="ok")
