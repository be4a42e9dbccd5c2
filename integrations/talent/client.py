"""Client for the talent platform (人社/人才): signed requests, typed answers."""

from __future__ import annotations

from integrations.base import PlatformError
from integrations.client import SignedPlatformClient
from integrations.talent.models import ChangePage, ErrCode, Qualification

_UNKNOWN = frozenset({ErrCode.NO_RECORD, ErrCode.NAME_MISMATCH})


class TalentClient(SignedPlatformClient):
    """The talent platform operations our services use."""

    async def qualification(self, id_number: str, name: str) -> Qualification | None:
        """人才资格查询 (POST /talent/v1/qualification/query); None when nothing is on record.

        A number known under another name is treated as unknown: the platform does not
        certify anything about the person asking.
        """
        payload = {"certNo": id_number, "certName": name}
        try:
            return await self.call_as(
                Qualification,
                "qualification.query",
                "POST",
                "/talent/v1/qualification/query",
                payload,
            )
        except PlatformError as exc:
            if exc.code in _UNKNOWN:
                return None
            raise

    async def changes(self, since: int, limit: int = 200) -> ChangePage:
        """资格变更订阅 (POST /talent/v1/qualification/changes): records changed after ``since``."""
        payload = {"since": since, "limit": limit}
        return await self.call_as(
            ChangePage, "qualification.changes", "POST", "/talent/v1/qualification/changes", payload
        )
