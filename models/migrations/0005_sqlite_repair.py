"""Restore what Tortoise's SQLite table rebuild dropped in 0004.

On SQLite, 0004's AddConstraint(CheckConstraint) rebuilds each table to add the CHECK, and
the rebuild (tortoise.migrations.schema_editor.sqlite._remake_table) leaves out the table's
unique_together keys and indexes. That lost the unique key on talent_quota_usage (so every
redemption inserted another quota row and the second visit answered 500) and the index on
talent_cards.holder_key. PostgreSQL alters tables in place and kept both: nothing to do there.

Duplicated quota rows are merged first, keeping the highest count (each redemption raised
every duplicate, so the highest is the true count). tests/models/test_schema_parity.py
compares the migrated tables with the models on both databases, so a later rebuild that drops
a key fails the suite.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_REPAIR = [
    """DELETE FROM talent_quota_usage WHERE id NOT IN (
         SELECT MIN(id) FROM talent_quota_usage AS u WHERE u.used = (
           SELECT MAX(used) FROM talent_quota_usage AS m WHERE m.holder_key = u.holder_key
             AND m.benefit_id = u.benefit_id AND m.period_key = u.period_key)
         GROUP BY holder_key, benefit_id, period_key)""",
    'CREATE UNIQUE INDEX IF NOT EXISTS "uid_talent_quot_holder_3896d6" ON "talent_quota_usage"'
    ' ("holder_key", "benefit_id", "period_key")',
    'CREATE INDEX IF NOT EXISTS "idx_talent_card_holder__a1f0c4" ON "talent_cards" ("holder_key")',
]


async def _repair_sqlite(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.client.capabilities.dialect != "sqlite":
        return
    for sql in _REPAIR:
        await schema_editor.client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [('palm', '0004_services')]

    initial = False

    operations = [ops.RunPython(_repair_sqlite, ops.RunPython.noop)]
