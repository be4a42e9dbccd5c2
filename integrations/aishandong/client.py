"""爱山东 (Shandong provincial service platform) client: signed requests, typed answers."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.aishandong.models import (
    CERT_TYPES,
    LICENCE_TYPES,
    Household,
    IdentityResult,
    Licence,
    LicenceKind,
    LicenceList,
)
from integrations.base import IdType
from integrations.client import SignedPlatformClient


class AiShandongClient(SignedPlatformClient):
    """The 爱山东 operations our services use."""

    async def verify_identity(self, name: str, id_type: IdType, id_number: str) -> IdentityResult:
        """实名核验 (POST /identity/v1/verify): does ``name`` hold this ID document?"""
        payload = {"certName": name, "certType": CERT_TYPES[id_type], "certNo": id_number}
        return await self.call_as(
            IdentityResult, "identity.verify", "POST", "/identity/v1/verify", payload
        )

    async def household_members(self, id_number: str) -> Household:
        """户口簿 (POST /licence/v1/household): the household ``id_number`` is registered in."""
        return await self.call_as(
            Household, "licence.household", "POST", "/licence/v1/household", {"certNo": id_number}
        )

    async def licences(self, id_number: str, kinds: Sequence[LicenceKind]) -> list[Licence]:
        """电子证照查询 (POST /licence/v1/query): the holder's licences of these kinds."""
        payload = {"certNo": id_number, "licenceTypes": [LICENCE_TYPES[kind] for kind in kinds]}
        answer = await self.call_as(
            LicenceList, "licence.query", "POST", "/licence/v1/query", payload
        )
        return answer.licences
