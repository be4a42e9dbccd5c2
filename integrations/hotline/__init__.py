"""Adapter for the 12345 hotline platform."""

from integrations.hotline.client import HotlineClient

__all__ = ["HotlineClient"]
