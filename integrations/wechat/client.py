"""Async WeChat client (mini-program login, access token, phone number) over aiohttp.

wechatpy's own client is synchronous and would block the event loop, so it is not used here.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from yarl import URL

from integrations.base import PlatformError, PlatformUnavailable
from integrations.client import PlatformClient, json_body, parse_model
from integrations.wechat.models import (
    AccessToken,
    ErrCode,
    PhoneInfo,
    PhoneNumberAnswer,
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
        url = self._url("/wxa/business/getuserphonenumber").with_query(access_token=access_token)
        with self.observed("getuserphonenumber"):
            answer = await self.fetch_json(
                "POST", url, body=json_body({"code": code}), headers=_JSON
            )
            return self._parse(PhoneNumberAnswer, answer).phone_info

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
