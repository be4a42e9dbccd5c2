"""Organisations residents work for: merchants (venues, libraries, hotels), hospitals, offices."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OrganisationKind(StrEnum):
    MERCHANT = "merchant"
    HOSPITAL = "hospital"
    OFFICE = "office"


class Organisation(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    kind = fields.CharEnumField(OrganisationKind)
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=150)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organisations"
