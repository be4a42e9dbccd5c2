"""WeChat: login, access token, phone number, messages, content security."""

from integrations.wechat.client import WeChatClient, WeChatError
from integrations.wechat.crypto import EncryptedDataError, decrypt_phone_number
from integrations.wechat.models import (
    AccessToken,
    ErrCode,
    MsgType,
    PhoneInfo,
    SecScene,
    SecVerdict,
    Watermark,
    WeChatSession,
)

__all__ = [
    "AccessToken",
    "EncryptedDataError",
    "ErrCode",
    "MsgType",
    "PhoneInfo",
    "SecScene",
    "SecVerdict",
    "Watermark",
    "WeChatClient",
    "WeChatError",
    "WeChatSession",
    "decrypt_phone_number",
]
