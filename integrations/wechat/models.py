"""WeChat payloads we read, and the errcodes our services and simulator talk about."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrCode(IntEnum):
    """WeChat ``errcode`` values that matter to login, tokens, phone numbers and messages."""

    SYSTEM_BUSY = -1
    INVALID_CREDENTIAL = 40001  # access token unknown, or replaced by a newer one
    INVALID_GRANT_TYPE = 40002
    INVALID_OPENID = 40003
    INVALID_MSG_TYPE = 40008
    INVALID_APPID = 40013
    INVALID_CODE = 40029
    INVALID_TEMPLATE_ID = 40037
    INVALID_APPSECRET = 40125
    CODE_USED = 40163
    RISKY_USER = 40226
    ACCESS_TOKEN_MISSING = 41001
    CODE_MISSING = 41008
    ACCESS_TOKEN_EXPIRED = 42001
    USER_REFUSED = 43101  # the user has not accepted (or has turned off) this template
    DAILY_QUOTA = 45009
    RATE_LIMITED = 45011
    DATA_FORMAT_ERROR = 47001
    TEMPLATE_DATA_INVALID = 47003


SecVerdict = Literal["pass", "review", "risky"]
SecScene = Literal[1, 2, 3, 4]  # profile, comment, forum post, social log
MsgType = Literal["text", "image", "link", "miniprogrampage"]


class _Answer(BaseModel):
    # WeChat adds fields over time; ignoring unknown ones keeps old clients working.
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True)


class WeChatSession(_Answer):
    """``jscode2session``: who logged in. The session key never leaves the server."""

    openid: str = Field(min_length=1)
    session_key: str = Field(min_length=1, repr=False)
    unionid: str | None = None


class AccessToken(_Answer):
    """``stable_token``: an interface call credential and its lifetime in seconds."""

    token: str = Field(alias="access_token", min_length=1, repr=False)
    expires_in: int = Field(gt=0)


class Watermark(_Answer):
    """Which app the data was given to, and when (epoch seconds)."""

    timestamp: int
    appid: str


class PhoneInfo(_Answer):
    """``getuserphonenumber`` or decrypted ``encryptedData``: the number the user shared."""

    phone_number: str = Field(alias="phoneNumber", min_length=1)
    pure_phone_number: str = Field(alias="purePhoneNumber", min_length=1)
    country_code: str = Field(alias="countryCode", min_length=1)
    watermark: Watermark | None = None


class PhoneNumberAnswer(_Answer):
    phone_info: PhoneInfo


class Ack(_Answer):
    """An answer with nothing in it but ``errcode`` 0 (message sends)."""


class SecResult(_Answer):
    suggest: SecVerdict
    label: int


class SecCheckAnswer(_Answer):
    """``msg_sec_check`` version 2: the overall verdict; ``detail`` per strategy is ignored."""

    result: SecResult
