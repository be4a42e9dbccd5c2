from tortoise import migrations
from tortoise.migrations import operations as ops
from models.identity.devices import DeviceKind, DeviceStatus
from models.identity.organisations import OrganisationKind
from models.identity.residents import IdType, ResidentStatus, Role
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Device',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharEnumField(description='BUS_VALIDATOR: bus_validator', enum_type=DeviceKind, max_length=13)),
                ('status', fields.CharEnumField(default=DeviceStatus.ACTIVE, description='ACTIVE: active\nRETIRED: retired', enum_type=DeviceStatus, max_length=7)),
                ('public_key', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'devices', 'app': 'palm', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organisation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharEnumField(description='MERCHANT: merchant\nHOSPITAL: hospital\nOFFICE: office', enum_type=OrganisationKind, max_length=8)),
                ('name_zh', fields.CharField(max_length=100)),
                ('name_en', fields.CharField(max_length=150)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'organisations', 'app': 'palm', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Resident',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('unionid', fields.CharField(null=True, db_index=True, max_length=64)),
                ('session_key_enc', fields.TextField(null=True, unique=False)),
                ('status', fields.CharEnumField(default=ResidentStatus.ACTIVE, description='ACTIVE: active\nCLOSED: closed', enum_type=ResidentStatus, max_length=6)),
                ('name_enc', fields.TextField(null=True, unique=False)),
                ('id_type', fields.CharEnumField(null=True, description='ID_CARD: id_card\nPERMANENT_RESIDENCE: permanent_residence\nPASSPORT: passport', enum_type=IdType, max_length=19)),
                ('id_number_enc', fields.TextField(null=True, unique=False)),
                ('id_number_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('birth_date', fields.DateField(null=True)),
                ('sex', fields.CharField(null=True, max_length=1)),
                ('nationality', fields.CharField(null=True, max_length=3)),
                ('phone_enc', fields.TextField(null=True, unique=False)),
                ('phone_hash', fields.CharField(null=True, db_index=True, max_length=64)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'residents', 'app': 'palm', 'pk_attr': 'id', 'table_description': 'Personal fields are stored encrypted (``*_enc``) with keyed hashes for look-ups.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Grant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident', fields.ForeignKeyField('palm.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='MERCHANT_STAFF: merchant_staff\nCLINICIAN: clinician\nOPERATOR: operator', enum_type=Role, max_length=14)),
                ('organisation', fields.ForeignKeyField('palm.Organisation', source_field='organisation_id', null=True, db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.RESTRICT)),
                ('scopes', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'grants', 'app': 'palm', 'unique_together': (('resident', 'role', 'organisation'),), 'pk_attr': 'id', 'table_description': 'A staff role held by a resident, bound to an organisation (operators also carry scopes).'},
            bases=['Model'],
        ),
    ]
