"""Adapter for WeChat Pay v3 (RSA-SHA256 signatures, AES-256-GCM callbacks)."""

from integrations.wechatpay.client import WeChatPayClient

__all__ = ["WeChatPayClient"]
