"""What residents are told about their waivers, in the subscribe-message templates' formats."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from services import notifications

CHINA = timezone(timedelta(hours=8), "CST")  # no daylight saving: a fixed offset is exact
PAGE = "pages/credit/waiver?id={id}"


def yuan(fen: int) -> str:
    """¥12.30: the ``amount`` field's format."""
    return f"¥{fen // 100}.{fen % 100:02d}"


def local_date(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d")


def _thing(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"


async def _notify(
    template: str, resident_id: uuid.UUID, waiver_id: uuid.UUID, kind: str,
    merchant: str, amount_fen: int, until: datetime, what: str,
) -> None:  # fmt: skip
    """One message about one waiver: whose desk, how much, by when, what to do."""
    await notifications.notify(
        resident_id,
        template,
        {"thing1": _thing(merchant), "amount2": yuan(amount_fen), "date3": local_date(until),
         "thing4": what},
        key=f"credit-{kind}:{waiver_id}",
        page=PAGE.format(id=waiver_id),
    )  # fmt: skip


async def default_recorded(
    resident_id: uuid.UUID, waiver_id: uuid.UUID, merchant: str, amount_fen: int, until: datetime
) -> None:
    """A merchant recorded a default: pay or dispute before ``until``."""
    await _notify("waiver_default", resident_id, waiver_id, "default", merchant, amount_fen,
                  until, "请在期限内支付或提出异议")  # fmt: skip


async def bill_due(
    resident_id: uuid.UUID, waiver_id: uuid.UUID, hospital: str, amount_fen: int, due: datetime
) -> None:
    """A care bill was settled at discharge: pay it interest-free before ``due``."""
    await _notify("payment_due", resident_id, waiver_id, "bill", hospital, amount_fen, due,
                  "信用就医出院结算，请按时支付")  # fmt: skip
