"""Operator registers: special-group cards (the review queue among them) and riders in arrears.

Rows carry ids, states and amounts only: an operator finds the person through the account id
in the back office, never from a list (no ID or certificate numbers here or in the CSV).
"""

from __future__ import annotations

from datetime import date

from tortoise.queryset import QuerySet

from models.transit.accounts import AccountStatus, PaymentMethod, TransitAccount
from models.transit.cards import CardKind, CardState, SpecialCard
from services.transit import fares
from services.transit.listing import Listing, Row, given, within_days


def _cards(
    *, since: date | None = None, until: date | None = None, state: CardState | None = None,
    kind: CardKind | None = None, due_by: date | None = None,
) -> QuerySet[SpecialCard]:  # fmt: skip
    query = SpecialCard.filter(
        within_days("created_at", since, until), **given(state=state, kind=kind)
    )
    if due_by is not None:
        query = query.filter(within_days("next_check_at", None, due_by))
    return query


def _card_row(c: SpecialCard) -> Row:
    return {
        "id": str(c.id), "account": str(c.account_id),  # type: ignore[attr-defined]
        "kind": c.kind, "state": c.state, "fare_class": fares.fare_class(c.group).value,
        "valid_until": c.valid_until, "next_check_at": c.next_check_at,
        "checked_at": c.checked_at, "certificate_issuer_code": c.certificate_issuer_code,
        "certificate_valid_until": c.certificate_valid_until, "created_at": c.created_at,
    }  # fmt: skip


CARDS = Listing(_cards, "created_at", (
    "id", "account", "kind", "state", "fare_class", "valid_until", "next_check_at", "checked_at",
    "certificate_issuer_code", "certificate_valid_until", "created_at",
), _card_row)  # fmt: skip


def _arrears(
    *, since: date | None = None, until: date | None = None,
    status: AccountStatus | None = None, payment_method: PaymentMethod | None = None,
    min_fen: int = 1,
) -> QuerySet[TransitAccount]:  # fmt: skip
    return TransitAccount.filter(
        within_days("updated_at", since, until), arrears_fen__gte=min_fen,
        **given(status=status, payment_method=payment_method),
    )  # fmt: skip


def _arrears_row(a: TransitAccount) -> Row:
    return {
        "account": str(a.id), "status": a.status, "payment_method": a.payment_method,
        "arrears_fen": a.arrears_fen, "balance_fen": a.balance_fen, "changed_at": a.updated_at,
        "opened_at": a.created_at,
    }  # fmt: skip


ARREARS = Listing(_arrears, "updated_at", (
    "account", "status", "payment_method", "arrears_fen", "balance_fen", "changed_at", "opened_at",
), _arrears_row)  # fmt: skip
