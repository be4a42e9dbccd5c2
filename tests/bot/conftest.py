"""Pushing WeChat messages to our callback as WeChat does: signed, optionally encrypted."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pytest
import xmltodict
from aiohttp.test_utils import TestClient
from wechatpy.crypto import WeChatCrypto

from integrations.simworld import openid_for
from palm import keys
from palm.settings import Settings


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def text_xml(openid: str, content: str, msg_id: int | None = None, to: str = "gh_palm") -> str:
    msg_id = secrets.randbits(62) if msg_id is None else msg_id
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, key: str = "", created: int | None = None) -> str:
    created = int(time.time()) if created is None else created
    return (
        f"<xml><ToUserName><![CDATA[gh_palm]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


@dataclass
class WeChat:
    """WeChat's side of the push: the same token, key and app id as the account's settings."""

    client: TestClient
    token: str
    aes_key: str
    app_id: str

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.aes_key, self.app_id)

    def query(self, *extra: str, timestamp: int | None = None) -> dict[str, str]:
        ts, nonce = str(int(time.time()) if timestamp is None else timestamp), secrets.token_hex(5)
        query = {"timestamp": ts, "nonce": nonce, "signature": sign(self.token, ts, nonce)}
        if extra:
            query.update(encrypt_type="aes", msg_signature=sign(self.token, ts, nonce, *extra))
        return query

    def seal(self, xml: str, mode: str = "safe", **kwargs: Any) -> tuple[dict[str, str], str]:
        """``(query, body)`` of a push in ``plain``, ``compat`` or ``safe`` mode."""
        if mode == "plain":
            return self.query(**kwargs), xml
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, "n", "1"))["xml"]["Encrypt"]
        query = self.query(sealed, **kwargs)
        if mode == "safe":
            to = "<ToUserName><![CDATA[gh_palm]]></ToUserName>"
            body = f"<xml>{to}<Encrypt><![CDATA[{sealed}]]></Encrypt></xml>"
        else:  # compatible mode: the message in clear, and sealed
            body = xml.replace("</xml>", f"<Encrypt><![CDATA[{sealed}]]></Encrypt></xml>")
        return query, body

    async def push(self, xml: str, mode: str = "safe", **kwargs: Any) -> tuple[int, str]:
        """Push ``xml``; the reply decrypted (or "success") with the HTTP status."""
        query, body = self.seal(xml, mode, **kwargs)
        resp = await self.client.post("/wechat/callback", params=query, data=body.encode())
        text = await resp.text()
        if resp.status != 200 or mode == "plain" or text == "success":
            return resp.status, text
        return resp.status, self.open(text)

    def open(self, reply: str) -> str:
        """Decrypt a sealed reply as WeChat does (checking its signature)."""
        fields = xmltodict.parse(reply)["xml"]
        return str(
            self.crypto.decrypt_message(
                reply, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
            )
        )

    async def say(self, openid: str, content: str, mode: str = "safe") -> str:
        """Send a text and return the reply's Content ("" for an empty answer)."""
        status, reply = await self.push(text_xml(openid, content), mode)
        assert status == 200, reply
        if reply == "success":
            return ""
        return str(xmltodict.parse(reply)["xml"].get("Content") or "")


@pytest.fixture
def wechat(client: TestClient) -> WeChat:
    settings: Settings = client.app[keys.SETTINGS]
    return WeChat(client, settings.wechat_token, settings.wechat_aes_key, settings.wechat.app_id)


@pytest.fixture
def resident_openid(client: TestClient) -> str:
    """The demo resident's openid: messages from it come from a signed-in, verified resident."""
    return openid_for(client.app[keys.SETTINGS].wechat.app_id, "resident")
