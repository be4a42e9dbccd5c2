"""Demo data for the bus service: lines, fare tables, and an issuer key for ride codes."""

from __future__ import annotations

from datetime import date, datetime

from models.codes import IssuerKey, IssuerKeyStatus
from models.transit.fares import FareClass, FareClassRate, LineFare, TransferRule, TransitLine
from services.codes import store
from services.privacy import FieldCipher

SINCE = date(2020, 1, 1)
LINES = {
    "1": ("1路 火车站—威海公园", "Line 1 Railway Station - Weihai Park", 200),
    "7": ("7路 汽车站—高区", "Line 7 Bus Station - Hi-tech Zone", 200),
    "12": ("12路 市政府—环翠楼", "Line 12 City Hall - Huancui Tower", 100),
    "31": ("31路 威海港—文登", "Line 31 Weihai Port - Wendeng", 500),
}
PERCENT = {FareClass.FULL: 100, FareClass.HALF: 50, FareClass.FREE: 0, FareClass.STUDENT: 45}


async def seed(cipher: FieldCipher, now: datetime) -> None:
    """Idempotent: creates what is missing, never rewrites an operator's later rows."""
    for code, (name_zh, name_en, fare) in LINES.items():
        names = {"name_zh": name_zh, "name_en": name_en}
        line, _ = await TransitLine.get_or_create(code=code, defaults=names)
        await LineFare.get_or_create(line=line, effective_from=SINCE, defaults={"fare_fen": fare})
    for klass, percent in PERCENT.items():
        await FareClassRate.get_or_create(
            fare_class=klass, effective_from=SINCE, defaults={"percent": percent}
        )
    await TransferRule.get_or_create(
        effective_from=SINCE, defaults={"window_minutes": 90, "discount_fen": 100}
    )
    if not await IssuerKey.exists(status=IssuerKeyStatus.ACTIVE):
        await store.generate_key(cipher)
