"""Devices that call us on their own behalf, such as bus validators."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DeviceKind(StrEnum):
    BUS_VALIDATOR = "bus_validator"


class DeviceStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class Device(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    kind = fields.CharEnumField(DeviceKind)
    status = fields.CharEnumField(DeviceStatus, default=DeviceStatus.ACTIVE)
    public_key = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "devices"
