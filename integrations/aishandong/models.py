"""爱山东 payloads: identity verification now; electronic licences will join here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from integrations.simworld import IdType

# The platform names ID documents by the Ministry of Public Security's certificate codes.
CERT_TYPES: dict[IdType, str] = {"id_card": "111", "permanent_residence": "553", "passport": "414"}

Verdict = Literal["match", "mismatch", "not_found"]


class IdentityResult(BaseModel):
    """``identity/v1/verify``: whether the name belongs to the ID document's holder."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    result: Verdict

    @property
    def matched(self) -> bool:
        return self.result == "match"
