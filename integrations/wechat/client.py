"""Async WeChat client (login, access token, phone number, messages, content security).

wechatpy's own client is synchronous and would block the event loop, so it is not used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from yarl import URL

from integrations.base import PlatformError, PlatformUnavailable
from integrations.client import PlatformClient, json_body, parse_model
from integrations.wechat.models import (
    AccessToken,
    Ack,
    ErrCode,
    MsgType,
    PhoneInfo,
    PhoneNumberAnswer,
    SecCheckAnswer,
    SecScene,
    SecVerdict,
    WeChatSession,
)

_Model = TypeVar("_Model", bound=BaseModel)
_JSON = {"Content-Type": "application/json; charset=utf-8"}


class WeChatError(PlatformError):
    """WeChat answered with a non-zero ``errcode``."""

    @property
    def errcode(self) -> int:
        return self.code

    @property
    def errmsg(self) -> str:
        return self.message

    @property
    def access_token_rejected(self) -> bool:
        """The token was replaced or ran out: fetch one from the single refresher, retry once."""
        return self.code in (ErrCode.INVALID_CREDENTIAL, ErrCode.ACCESS_TOKEN_EXPIRED)


class WeChatClient(PlatformClient):
    """The WeChat server APIs a mini-program backend calls."""

    async def code_to_session(self, js_code: str) -> WeChatSession:
        """``auth.code2Session`` (GET /sns/jscode2session): exchange a ``wx.login`` code."""
        url = self._url("/sns/jscode2session").with_query(
            appid=self.platform.app_id,
            secret=self.platform.secret,
            js_code=js_code,
            grant_type="authorization_code",
        )
        with self.observed("jscode2session"):
            return self._parse(WeChatSession, await self.fetch_json("GET", url))

    async def fetch_access_token(self, *, force_refresh: bool = False) -> AccessToken:
        """``getStableAccessToken`` (POST /cgi-bin/stable_token); call it from one place only."""
        body = {
            "grant_type": "client_credential",
            "appid": self.platform.app_id,
            "secret": self.platform.secret,
            "force_refresh": force_refresh,
        }
        url = self._url("/cgi-bin/stable_token")
        with self.observed("stable_token"):
            answer = await self.fetch_json("POST", url, body=json_body(body), headers=_JSON)
            return self._parse(AccessToken, answer)

    async def get_phone_number(self, access_token: str, code: str) -> PhoneInfo:
        """``phonenumber.getPhoneNumber`` (POST /wxa/business/getuserphonenumber)."""
        path, body = "/wxa/business/getuserphonenumber", {"code": code}
        answer = await self._post("getuserphonenumber", path, access_token, body, PhoneNumberAnswer)
        return answer.phone_info

    async def send_subscribe_message(
        self,
        access_token: str,
        touser: str,
        template_id: str,
        data: Mapping[str, str],
        page: str | None = None,
    ) -> None:
        """``subscribeMessage.send`` (POST /cgi-bin/message/subscribe/send) to one user.

        ``data`` maps template keys (``thing1``, ``time2``…) to text; WeChat's ``{"value": …}``
        wrapping is added here.
        """
        body: dict[str, Any] = {
            "touser": touser,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if page is not None:
            body["page"] = page
        path = "/cgi-bin/message/subscribe/send"
        await self._post("subscribe.send", path, access_token, body, Ack)

    async def msg_sec_check(
        self, access_token: str, openid: str, content: str, scene: SecScene = 2
    ) -> SecVerdict:
        """``security.msgSecCheck`` v2 (POST /wxa/msg_sec_check): may ``content`` be shown?"""
        body = {"content": content, "version": 2, "scene": scene, "openid": openid}
        path = "/wxa/msg_sec_check"
        answer = await self._post("msg_sec_check", path, access_token, body, SecCheckAnswer)
        return answer.result.suggest

    async def send_custom_message(
        self, access_token: str, touser: str, msgtype: MsgType, payload: Mapping[str, Any]
    ) -> None:
        """``customerServiceMessage.send`` (POST /cgi-bin/message/custom/send): a later reply."""
        body = {"touser": touser, "msgtype": msgtype, msgtype: dict(payload)}
        await self._post("custom.send", "/cgi-bin/message/custom/send", access_token, body, Ack)

    async def _post(
        self,
        operation: str,
        path: str,
        access_token: str,
        body: Mapping[str, Any],
        model: type[_Model],
    ) -> _Model:
        url = self._url(path).with_query(access_token=access_token)
        with self.observed(operation):
            answer = await self.fetch_json("POST", url, body=json_body(body), headers=_JSON)
            return self._parse(model, answer)

    def _url(self, path: str) -> URL:
        return URL(self.platform.base_url + path)

    def _parse(self, model: type[_Model], answer: Any) -> _Model:
        name = self.platform.name
        if not isinstance(answer, dict):
            raise PlatformUnavailable(name, "answer is not a JSON object")
        errcode = answer.get("errcode") or 0
        if type(errcode) is not int:
            raise PlatformUnavailable(name, "errcode is not an integer")
        if errcode == ErrCode.SYSTEM_BUSY:
            # WeChat's own "try again later": an outage, not a verdict on this request.
            raise PlatformUnavailable(name, "system busy (errcode -1)")
        if errcode:
            raise WeChatError(name, errcode, str(answer.get("errmsg", "")))
        return parse_model(name, model, answer)
