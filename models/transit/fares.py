"""Fare tables operators edit. Every row has an effective date and rows are never rewritten,
so a fare change never alters a trip already priced.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class FareClass(StrEnum):
    FULL = "full"
    HALF = "half"  # aged 60-64
    FREE = "free"  # 65 and over, veterans' families, disability
    STUDENT = "student"


class TransitLine(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=60)

    class Meta:
        table = "transit_lines"


class LineFare(Model):
    """A line's flat fare from a date on."""

    id = fields.BigIntField(primary_key=True)
    line: fields.ForeignKeyRelation[TransitLine] = fields.ForeignKeyField(
        "palm.TransitLine", related_name="fares", on_delete=fields.CASCADE
    )
    effective_from = fields.DateField()
    fare_fen = fields.IntField()

    class Meta:
        table = "transit_line_fares"
        unique_together = (("line", "effective_from"),)


class FareClassRate(Model):
    """The share of the line fare a fare class pays, in percent, from a date on."""

    id = fields.BigIntField(primary_key=True)
    fare_class = fields.CharEnumField(FareClass)
    effective_from = fields.DateField()
    percent = fields.SmallIntField()

    class Meta:
        table = "transit_fare_class_rates"
        unique_together = (("fare_class", "effective_from"),)


class TransferRule(Model):
    """A second ride on another line within the window, on the same day, costs less."""

    id = fields.BigIntField(primary_key=True)
    effective_from = fields.DateField(unique=True)
    window_minutes = fields.SmallIntField()
    discount_fen = fields.IntField()

    class Meta:
        table = "transit_transfer_rules"
