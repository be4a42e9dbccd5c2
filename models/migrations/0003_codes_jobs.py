from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.codes import IssuerKeyStatus, KeyAlgorithm, RevocationReason, RevocationScope
from models.notifications import NotificationStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('palm', '0002_delegations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IssuerKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kid', fields.IntField(unique=True)),
                ('algorithm', fields.CharEnumField(description='P256: p256\nED25519: ed25519', enum_type=KeyAlgorithm, max_length=7)),
                ('public_key', fields.BinaryField()),
                ('private_key_enc', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=IssuerKeyStatus.ACTIVE, description='ACTIVE: active\nRETIRING: retiring\nRETIRED: retired', enum_type=IssuerKeyStatus, max_length=8)),
                ('active_slot', fields.SmallIntField(null=True, unique=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('rotated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'code_issuer_keys', 'app': 'palm', 'pk_attr': 'id', 'table_description': 'One issuer key pair, its private half encrypted with FieldCipher (the kid is the AAD).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KeyringVersion',
            fields=[
                ('id', fields.SmallIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.BigIntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'code_keyring_version', 'app': 'palm', 'pk_attr': 'id', 'table_description': "The keyring document's version: one row, bumped with every key or revocation change."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident', fields.ForeignKeyField('palm.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('template', fields.CharField(max_length=64)),
                ('data', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('page', fields.CharField(null=True, max_length=200)),
                ('key', fields.CharField(unique=True, max_length=200)),
                ('status', fields.CharEnumField(default=NotificationStatus.PENDING, description='PENDING: pending\nSENT: sent\nREFUSED: refused\nFAILED: failed', enum_type=NotificationStatus, max_length=7)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifications', 'app': 'palm', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('topic', fields.CharField(max_length=64)),
                ('key', fields.CharField(unique=True, max_length=200)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('available_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(null=True, max_length=300)),
                ('done_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('dead_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox', 'app': 'palm', 'pk_attr': 'id', 'table_description': 'One unit of background work. Its ``key`` makes adding it idempotent.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevocationEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.CharField(max_length=36)),
                ('purpose', fields.CharEnumField(description='RIDE: ride\nTALENT: talent\nCREDIT: credit\nCONSENT: consent\nALL: all', enum_type=RevocationScope, max_length=7)),
                ('reason', fields.CharEnumField(description='CANCELLED: cancelled\nLOST: lost\nARREARS: arrears', enum_type=RevocationReason, max_length=9)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'code_revocations', 'app': 'palm', 'unique_together': (('subject', 'purpose'),), 'pk_attr': 'id', 'table_description': 'A card or account whose codes must be refused, for one purpose or all of them.'},
            bases=['Model'],
        ),
        ops.AddConstraint(model_name='IssuerKey', constraint=CheckConstraint(check='kid BETWEEN 1 AND 65535', name='code_issuer_keys_kid_u16')),
        ops.AddConstraint(model_name='IssuerKey', constraint=CheckConstraint(check="(status = 'active' AND active_slot = 1) OR (status <> 'active' AND active_slot IS NULL)", name='code_issuer_keys_one_active')),
        ops.AddConstraint(model_name='IssuerKey', constraint=CheckConstraint(check="status <> 'retired' OR retired_at IS NOT NULL", name='code_issuer_keys_retired_at')),
        ops.AddConstraint(model_name='KeyringVersion', constraint=CheckConstraint(check='id = 1', name='code_keyring_version_single_row')),
        ops.AddConstraint(model_name='KeyringVersion', constraint=CheckConstraint(check='version >= 0', name='code_keyring_version_non_negative')),
        # Added by hand: CreateModel drops CHECK constraints (tortoise 1.1.9).
    ]
