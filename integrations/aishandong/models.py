"""爱山东 payloads: identity verification, the household register and electronic licences."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from integrations.base import IdType

LicenceKind = Literal[
    "disability_certificate",
    "degree",
    "professional_title",
    "veteran_family",
    "student_status",
    "labour_contract",
]
LICENCE_KINDS: tuple[LicenceKind, ...] = get_args(LicenceKind)

# The platform names ID documents by the Ministry of Public Security's certificate codes.
CERT_TYPES: dict[IdType, str] = {"id_card": "111", "permanent_residence": "553", "passport": "414"}

# Licence catalogue codes (证照目录编码) as this platform names the kinds we use.
LICENCE_TYPES: dict[LicenceKind, str] = {
    "disability_certificate": "CJRZ",
    "degree": "XWZS",
    "professional_title": "ZCZS",
    "veteran_family": "YFDXZ",
    "student_status": "XJXX",
    "labour_contract": "LDHTBA",
}
LICENCE_KINDS_BY_TYPE = {code: kind for kind, code in LICENCE_TYPES.items()}

Verdict = Literal["match", "mismatch", "not_found"]
HouseholdRelation = Literal["head", "spouse", "child", "parent", "grandchild", "sibling", "other"]

# The register writes relations in Chinese; son and daughter alike are a child here.
RELATIONS: dict[str, HouseholdRelation] = {
    "户主": "head", "配偶": "spouse", "子": "child", "女": "child", "父亲": "parent",
    "母亲": "parent", "孙子": "grandchild", "孙女": "grandchild", "兄弟": "sibling",
    "姐妹": "sibling",
}  # fmt: skip


class ErrCode(IntEnum):
    """爱山东 business codes (10001-10005 are the shared signature refusals)."""

    BAD_PARAMETERS = 20001
    MALFORMED_NUMBER = 20002
    NO_SUCH_PERSON = 20003
    KIND_UNAVAILABLE = 20004  # the issuing department's licence service is not serving


def _relation(value: object) -> object:
    return RELATIONS.get(value, "other") if isinstance(value, str) else value


def _kind(value: object) -> object:
    return LICENCE_KINDS_BY_TYPE.get(value, value) if isinstance(value, str) else value


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True)


class IdentityResult(_Answer):
    """``identity/v1/verify``: whether the name belongs to the ID document's holder."""

    result: Verdict

    @property
    def matched(self) -> bool:
        return self.result == "match"


class HouseholdMember(_Answer):
    """One person on a household register page (户口簿)."""

    name: str
    id_number: str = Field(alias="certNo")
    relation_to_head: Annotated[HouseholdRelation, BeforeValidator(_relation)] = Field(
        alias="relation"
    )
    birth_date: date = Field(alias="birthDate")


class Household(_Answer):
    """``licence/v1/household``: the household a person is registered in, everyone in it."""

    household_id: str = Field(alias="householdId")
    members: list[HouseholdMember]


class Licence(_Answer):
    """One electronic licence; ``issuer_code`` is a GB/T 2260 division (``3710…`` is Weihai)."""

    kind: Annotated[LicenceKind, BeforeValidator(_kind)] = Field(alias="licenceType")
    number: str = Field(alias="licenceNo")
    holder_name: str = Field(alias="holderName")
    issuer: str = Field(alias="issuerName")
    issuer_code: str = Field(alias="issuerCode")
    issued_on: date = Field(alias="issueDate")
    valid_until: date | None = Field(alias="expiryDate")  # None: valid for life
    attributes: dict[str, str] = Field(default_factory=dict)


class LicenceList(_Answer):
    licences: list[Licence]
