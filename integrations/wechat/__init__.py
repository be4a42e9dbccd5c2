"""WeChat: mini-program login, access token and phone number; a simulator with the same rules."""

from integrations.wechat import simulator
from integrations.wechat.client import WeChatClient, WeChatError
from integrations.wechat.models import AccessToken, ErrCode, PhoneInfo, WeChatSession

__all__ = [
    "AccessToken",
    "ErrCode",
    "PhoneInfo",
    "WeChatClient",
    "WeChatError",
    "WeChatSession",
    "simulator",
]
