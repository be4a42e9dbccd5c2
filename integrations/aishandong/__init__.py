"""爱山东: real-name identity check, household register, electronic licences."""

from integrations.aishandong.client import AiShandongClient
from integrations.aishandong.models import (
    ErrCode,
    Household,
    HouseholdMember,
    IdentityResult,
    Licence,
    LicenceKind,
)

__all__ = [
    "AiShandongClient",
    "ErrCode",
    "Household",
    "HouseholdMember",
    "IdentityResult",
    "Licence",
    "LicenceKind",
]
