"""Adapter and simulator for WeChat Pay v3 (RSA-SHA256 signatures, AES-256-GCM callbacks)."""

from integrations.wechatpay import simulator
from integrations.wechatpay.client import WeChatPayClient

__all__ = ["WeChatPayClient", "simulator"]
