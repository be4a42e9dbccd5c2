"""Many notifications in one go, for the nightly runs (the same rows ``notify`` writes).

``services.notifications.notify`` costs four queries per message; a night of 100,000 card
checks needs them in batches. Same rules: values checked against the template, one message
per key (conflicts ignored), one outbox job per message. To be replaced by a batch form of
``notify`` in services/notifications when it has one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.jobs import OutboxMessage
from models.notifications import Notification
from services import notifications


@dataclass(frozen=True, slots=True)
class Message:
    resident_id: uuid.UUID
    template: str
    values: dict[str, str]
    key: str
    page: str | None = None


async def notify_many(messages: list[Message]) -> None:
    """Queue every message (inside the caller's transaction); known keys are skipped."""
    if not messages:
        return
    for m in messages:
        if set(m.values) != set(notifications.TEMPLATES[m.template].fields):
            raise ValueError(f"template {m.template} takes other fields than {sorted(m.values)}")
    async with in_transaction() as conn:  # the caller's, when it has one
        if conn.capabilities.dialect == "postgres":
            ids = await _insert_postgres(conn, messages)
        else:
            ids = await _insert_portable(conn, messages)
        now = datetime.now(UTC)
        await OutboxMessage.bulk_create(
            [OutboxMessage(topic="notification.send", key=f"notification:{key}",
                           payload={"id": nid}, available_at=now) for nid, key in ids],
            ignore_conflicts=True, using_db=conn,
        )  # fmt: skip


# Only the rows actually inserted come back, so a key seen before gets no second job, and no
# look-up of the keys is needed (on a table that grew all night, its plan can be a full scan).
_UNNEST = (
    "INSERT INTO notifications (resident_id, template, data, page, key, status, attempts, "
    "created_at) SELECT r, t, d::jsonb, p, k, 'pending', 0, now() FROM unnest("
    "$1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS m(r, t, d, p, k) "
    "ON CONFLICT (key) DO NOTHING RETURNING id, key"
)


async def _insert_postgres(
    conn: BaseDBAsyncClient, messages: list[Message]
) -> list[tuple[int, str]]:
    columns = [
        [m.resident_id for m in messages], [m.template for m in messages],
        [json.dumps(m.values, ensure_ascii=False) for m in messages],
        [m.page for m in messages], [m.key for m in messages],
    ]  # fmt: skip
    return [(row["id"], row["key"]) for row in await conn.execute_query_dict(_UNNEST, columns)]


async def _insert_portable(
    conn: BaseDBAsyncClient, messages: list[Message]
) -> list[tuple[int, str]]:
    keys = [m.key for m in messages]
    found = await Notification.filter(key__in=keys).using_db(conn).values_list("key", flat=True)
    known = {str(key) for key in found}
    await Notification.bulk_create(
        [Notification(resident_id=m.resident_id, template=m.template, data=m.values, key=m.key,
                      page=m.page) for m in messages if m.key not in known],
        ignore_conflicts=True, using_db=conn,
    )  # fmt: skip
    fresh = [k for k in keys if k not in known]
    rows = await Notification.filter(key__in=fresh).using_db(conn).values_list("id", "key")
    return [(int(i), str(k)) for i, k in rows]
