"""WeChat Pay v3 client (being built under issue 6)."""

from __future__ import annotations

from integrations.client import PlatformClient


class WeChatPayClient(PlatformClient):
    """Deduction after the ride and default payments; signing added under issue 6."""
