"""Adapter and simulator for the 12345 hotline platform."""

from integrations.hotline import simulator
from integrations.hotline.client import HotlineClient

__all__ = ["HotlineClient", "simulator"]
