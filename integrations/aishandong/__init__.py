"""爱山东: real-name identity check (electronic licences later), and a simulator of it."""

from integrations.aishandong import simulator
from integrations.aishandong.client import AiShandongClient
from integrations.aishandong.models import IdentityResult

__all__ = ["AiShandongClient", "IdentityResult", "simulator"]
