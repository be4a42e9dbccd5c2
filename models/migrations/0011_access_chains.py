"""Per-patient access-log chains, and signed tree heads over them.

Every patient's entries form a chain of their own (seq unique per patient) under a head row
of their own, so appends for different patients never wait on one row. Tree heads and the
leaves they cover are new tables. The old city-wide chain is dropped with its rows (there is
no production data yet): its hashes chain patients into each other and cannot be recomputed
per patient without the app's key, which a migration does not have.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

from models.medical.access_log import AccessAction, AccessReason

class Migration(migrations.Migration):
    dependencies = [('palm', '0010_transit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccessTreeHead',
            fields=[
                ('id', fields.BigIntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('tree_size', fields.BigIntField()),
                ('root_hash', fields.CharField(max_length=64)),
                ('timestamp_ms', fields.BigIntField()),
                ('algorithm', fields.CharField(max_length=16)),
                ('public_key', fields.CharField(max_length=128)),
                ('signature', fields.CharField(max_length=128)),
            ],
            options={'table': 'medical_access_tree_heads', 'app': 'palm', 'pk_attr': 'id', 'table_description': 'One seal of all chains (append-only): its root, size, time and signature.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccessTreeLeaf',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient_key', fields.CharField(max_length=64)),
                ('seq', fields.BigIntField()),
                ('entry_hash', fields.CharField(max_length=64)),
                ('from_tree', fields.BigIntField()),
                ('to_tree', fields.BigIntField(null=True, db_index=True)),
            ],
            options={'table': 'medical_access_tree_leaves', 'app': 'palm', 'unique_together': (('patient_key', 'from_tree'),), 'pk_attr': 'id', 'table_description': "A patient's chain head as trees ``from_tree`` .. ``to_tree`` (open: still current) saw it."},
            bases=['Model'],
        ),
        # The old single chain cannot be re-keyed into per-patient chains here (its hashes
        # need the app's key): its rows go, with the table, and the log starts again.
        ops.DeleteModel(name='AccessLogEntry'),
        ops.DeleteModel(name='AccessLogHead'),
        ops.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient_key', fields.CharField(max_length=64)),
                ('seq', fields.BigIntField()),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor_id', fields.UUIDField()),
                ('organisation', fields.CharField(null=True, max_length=64)),
                ('action', fields.CharEnumField(description='LIST: list\nREAD: read\nDOCUMENT: document\nRECOGNITION: recognition\nREVOKE: revoke\nREFUSED: refused', enum_type=AccessAction, max_length=11)),
                ('reason', fields.CharEnumField(description='SELF: self\nFAMILY: family\nMUTUAL_RECOGNITION: mutual_recognition', enum_type=AccessReason, max_length=18)),
                ('basis_id', fields.UUIDField(null=True)),
                ('record_ref', fields.CharField(null=True, max_length=80)),
                ('detail_enc', fields.TextField(null=True, unique=False)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('entry_hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'medical_access_log', 'app': 'palm', 'unique_together': (('patient_key', 'seq'),), 'pk_attr': 'id', 'table_description': "One access, chained to the patient's entry before (append-only: never updated or deleted)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AccessLogHead',
            fields=[
                ('patient_key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('seq', fields.BigIntField()),
                ('entry_hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'medical_access_log_heads', 'app': 'palm', 'pk_attr': 'patient_key', 'table_description': "A patient's last entry (one row per patient): the row their appends lock."},
            bases=['Model'],
        ),
    ]
