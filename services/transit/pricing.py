"""The job that turns a batch of taps into trips: verify, flag repeats, price, take prepaid fares.

A code is verified for the moment of its tap against the keys only, not today's revocations:
the validator let the rider on with the keyring it had, so the ride is owed either way.
One trip per code (a unique column): a code shown again, on this validator or another, is
flagged as a duplicate and costs nothing.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from codes import text
from codes.errors import CodeRejected
from codes.fields import Purpose
from codes.keyring import Keyring
from codes.verify import VerifiedCode, verify_code
from models.transit.accounts import AccountStatus, PaymentMethod, TransitAccount
from models.transit.trips import Tap, TapState, Trip, TripStatus
from services.deps import Deps
from services.transit import accounts, cache, fares


async def price_batch(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: price the received taps of one uploaded batch (idempotent: only RECEIVED taps)."""
    keyring = await deps.codes.keyring()
    changed = await price(payload["batch"], Keyring(keyring.keys.values()))
    await cache.forget(deps.changes, *changed)


def _verify(tap: Tap, keyring: Keyring) -> VerifiedCode | str:
    try:
        code = text.decode(tap.code)
        return verify_code(code, keyring, purpose=Purpose.RIDE, now=int(tap.tapped_at.timestamp()))
    except CodeRejected as exc:
        return exc.reason
    except ValueError:
        return "malformed"


class _History:
    """Each rider's trips by day, to find the ride a transfer follows."""

    def __init__(self, trips: list[Trip]) -> None:
        self._rides: defaultdict[tuple[uuid.UUID, Any], list[tuple[datetime, str, bool]]] = (
            defaultdict(list)
        )
        for trip in trips:
            self.add(trip)

    def add(self, trip: Trip) -> None:
        key = (trip.account_id, trip.service_date)  # type: ignore[attr-defined]
        bisect.insort(self._rides[key], (trip.tapped_at, trip.line, trip.transfer))

    def is_transfer(self, account: uuid.UUID, tap: Tap, window: timedelta) -> bool:
        rides = self._rides[(account, fares.service_date(tap.tapped_at))]
        i = bisect.bisect(rides, (tap.tapped_at, "\uffff", True))
        if not i:
            return False
        at, line, was_transfer = rides[i - 1]
        return line != tap.line and not was_transfer and tap.tapped_at - at <= window


async def price(batch: str, keyring: Keyring) -> set[uuid.UUID]:
    """Price one batch in one transaction; returns accounts whose arrears changed."""
    rules = await fares.load_rules()
    owing: dict[uuid.UUID, int] = defaultdict(int)
    async with in_transaction():
        taps = await Tap.filter(batch=batch, state=TapState.RECEIVED).order_by("tapped_at", "id")
        checked = {tap.id: _verify(tap, keyring) for tap in taps}
        good = {i: v for i, v in checked.items() if isinstance(v, VerifiedCode)}
        ids = {uuid.UUID(bytes=v.subject.encoded[1:]) for v in good.values()}
        found = await TransitAccount.filter(id__in=ids, status=AccountStatus.ACTIVE)
        riders = {a.id: a for a in found}
        days = {fares.service_date(t.tapped_at) for t in taps}
        seen = Trip.filter(code_id__in=[v.code_id.hex() for v in good.values()])
        used = {str(code_id) for code_id in await seen.values_list("code_id", flat=True)}
        history = _History(await Trip.filter(account_id__in=ids, service_date__in=days))
        states: dict[TapState, list[tuple[int, str | None]]] = defaultdict(list)
        trips: list[Trip] = []
        for tap in taps:
            verified = checked[tap.id]
            if not isinstance(verified, VerifiedCode):
                states[TapState.REJECTED].append((tap.id, verified))
                continue
            account = riders.get(uuid.UUID(bytes=verified.subject.encoded[1:]))
            code_id = verified.code_id.hex()
            if account is None:
                states[TapState.REJECTED].append((tap.id, "unknown_account"))
                continue
            if code_id in used:
                states[TapState.DUPLICATE].append((tap.id, "already_used"))
                continue
            used.add(code_id)
            trip = _trip(tap, account, verified, code_id, rules, history)
            if account.payment_method == PaymentMethod.PREPAID and trip.fare_fen:
                taken = min(account.balance_fen, trip.fare_fen)
                account.balance_fen -= taken
                owing[account.id] += trip.fare_fen - taken
                trip.status = TripStatus.SETTLED
            history.add(trip)
            trips.append(trip)
            states[TapState.TRIP].append((tap.id, None))
        await Trip.bulk_create(trips)
        for state, marked in states.items():
            for reason in {r for _, r in marked}:
                await Tap.filter(id__in=[i for i, r in marked if r == reason]).update(
                    state=state, reason=reason
                )
        for account in riders.values():
            if account.payment_method == PaymentMethod.PREPAID:
                await account.save(update_fields=["balance_fen", "updated_at"])
        for account_id, amount in owing.items():
            if amount:
                await accounts.add_arrears(account_id, amount)
    return {a for a, amount in owing.items() if amount} | {
        a.id for a in riders.values() if a.payment_method == PaymentMethod.PREPAID
    }


def _trip(
    tap: Tap, account: TransitAccount, verified: VerifiedCode, code_id: str,
    rules: fares.Rules, history: _History,
) -> Trip:  # fmt: skip
    day = fares.service_date(tap.tapped_at)
    klass = fares.fare_class(verified.attributes.group)
    rule = rules.transfer_rule(day)
    transfer = rule is not None and history.is_transfer(account.id, tap, timedelta(minutes=rule[0]))
    base, fare = rules.price(tap.line, klass, day, transfer=transfer)
    return Trip(
        tap_id=tap.id, code_id=code_id, account_id=account.id, line=tap.line,
        tapped_at=tap.tapped_at, service_date=day, fare_class=klass, base_fare_fen=base,
        fare_fen=fare, transfer=transfer,
        status=TripStatus.SETTLED if fare == 0 else TripStatus.UNSETTLED,
    )  # fmt: skip
