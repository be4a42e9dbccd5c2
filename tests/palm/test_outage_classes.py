"""Which failures count as a store outage (503 + Retry-After) and which are our bugs (500).

The outage proof (tests/proof/test_faults.py) stops a real PostgreSQL under load; the classes a
stop can raise depend on where each request was, so the rare ones are pinned here too.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest
from tortoise.exceptions import DoesNotExist, OperationalError

from palm.middlewares import storage_outage


def _raised_while_handling(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904 (an implicit __context__ is the point)
    except BaseException as exc:
        return exc


def test_a_rollback_on_a_connection_the_server_closed_is_an_outage() -> None:
    # Seen when PostgreSQL stopped between get_or_create's read and its insert transaction.
    closed = asyncpg.InterfaceError(
        "cannot call Transaction.rollback(): the underlying connection is closed"
    )
    assert storage_outage(_raised_while_handling(closed, DoesNotExist("Resident"))) == "database"


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        OperationalError("syntax error at or near SELEC"),
        DoesNotExist("Resident"),
    ],
)
def test_misuse_and_sql_errors_stay_ours(exc: BaseException) -> None:
    assert storage_outage(exc) is None


def test_a_wrapped_connection_loss_is_an_outage() -> None:
    lost = asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    assert storage_outage(_raised_while_handling(OperationalError(lost), lost)) == "database"
