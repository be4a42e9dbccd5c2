"""Transit: tap identity is (validator, tap id), conflicting re-sent taps are kept for
operators, re-verification runs and their results are recorded.

On SQLite, AlterField (tap_id no longer unique on its own) rebuilds transit_taps, and the
rebuild leaves out the table's indexes (see 0005): the batch index is re-created here.
PostgreSQL alters the table in place. Tap ids were unique across validators until now, so
the new (device, tap_id) key holds for every existing row.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.transit.cards import CardKind, CheckOutcome, RunStatus
from models.transit.trips import ConflictStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

_BATCH_INDEX = (
    'CREATE INDEX IF NOT EXISTS "idx_transit_tap_batch_b633e2" ON "transit_taps" ("batch")'
)


async def _repair_sqlite(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script(_BATCH_INDEX)


class Migration(migrations.Migration):
    dependencies = [('palm', '0009_loops')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReverificationRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('trigger', fields.CharField(max_length=16)),
                ('requested_by', fields.UUIDField(null=True)),
                ('status', fields.CharEnumField(default=RunStatus.RUNNING, description='RUNNING: running\nFINISHED: finished\nFAILED: failed', enum_type=RunStatus, max_length=8)),
                ('started_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('renewed', fields.IntField(default=0)),
                ('downgraded', fields.IntField(default=0)),
                ('suspended', fields.IntField(default=0)),
                ('in_person', fields.IntField(default=0)),
                ('postponed', fields.IntField(default=0)),
            ],
            options={'table': 'transit_reverification_runs', 'app': 'palm', 'pk_attr': 'id', 'table_description': "One worker's pass over the cards due (the nightly cron, or an operator's request)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CardCheck',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('palm.ReverificationRun', source_field='run_id', db_constraint=True, to_field='id', related_name='checks', on_delete=OnDelete.CASCADE)),
                ('card', fields.ForeignKeyField('palm.SpecialCard', source_field='card_id', db_constraint=True, to_field='id', related_name='checks', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='SENIOR: senior\nDISABILITY: disability\nPREFERENTIAL_CARE: preferential_care\nSTUDENT: student', enum_type=CardKind, max_length=17)),
                ('outcome', fields.CharEnumField(description='RENEWED: renewed\nDOWNGRADED: downgraded\nSUSPENDED: suspended\nIN_PERSON: in_person', enum_type=CheckOutcome, max_length=10)),
                ('valid_until', fields.DateField(null=True)),
                ('checked_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'transit_card_checks', 'app': 'palm', 'indexes': [Index(fields=['run_id', 'checked_at'])], 'pk_attr': 'id', 'table_description': "What one run decided about one card (the card's history, for operators and disputes)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TapConflict',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('original', fields.ForeignKeyField('palm.Tap', source_field='original_id', db_constraint=True, to_field='id', related_name='conflicts', on_delete=OnDelete.CASCADE)),
                ('device', fields.ForeignKeyField('palm.Device', source_field='device_id', db_constraint=True, to_field='id', related_name='tap_conflicts', on_delete=OnDelete.CASCADE)),
                ('tap_id', fields.CharField(max_length=64)),
                ('digest', fields.CharField(max_length=64)),
                ('batch', fields.CharField(max_length=64)),
                ('code', fields.TextField(unique=False)),
                ('line', fields.CharField(max_length=16)),
                ('vehicle', fields.CharField(max_length=32)),
                ('stop', fields.CharField(max_length=32)),
                ('tapped_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('shown_result', fields.CharField(max_length=32)),
                ('status', fields.CharEnumField(default=ConflictStatus.OPEN, description='OPEN: open\nACCEPTED: accepted\nDISMISSED: dismissed', enum_type=ConflictStatus, max_length=9)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by', fields.UUIDField(null=True)),
                ('accepted_as', fields.ForeignKeyField('palm.Tap', source_field='accepted_as_id', null=True, db_constraint=True, to_field='id', related_name='accepted_conflict', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'transit_tap_conflicts', 'app': 'palm', 'unique_together': (('original', 'digest'),), 'pk_attr': 'id', 'table_description': 'A tap re-sent by its validator with a known tap id but other content, for operators.'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='Tap',
            options={'table': 'transit_taps', 'app': 'palm', 'unique_together': (('device', 'tap_id'),), 'pk_attr': 'id', 'table_description': 'One scan as a validator reported it. Its validator and tap id make uploads idempotent.'},
        ),
        ops.AlterField(
            model_name='Tap',
            name='tap_id',
            field=fields.CharField(max_length=64),
        ),
        ops.AddConstraint(
            model_name='Tap',
            constraint=UniqueConstraint(fields=('device', 'tap_id'), name=None),
        ),
        ops.RunPython(_repair_sqlite, ops.RunPython.noop),
    ]
