"""爱山东 (Shandong provincial service platform) client: signed requests, typed answers."""

from __future__ import annotations

from integrations.aishandong.models import CERT_TYPES, IdentityResult
from integrations.client import SignedPlatformClient
from integrations.simworld import IdType


class AiShandongClient(SignedPlatformClient):
    """The 爱山东 operations our services use."""

    async def verify_identity(self, name: str, id_type: IdType, id_number: str) -> IdentityResult:
        """实名核验 (POST /identity/v1/verify): does ``name`` hold this ID document?"""
        payload = {"certName": name, "certType": CERT_TYPES[id_type], "certNo": id_number}
        return await self.call_as(
            IdentityResult, "identity.verify", "POST", "/identity/v1/verify", payload
        )
