from tortoise import migrations
from tortoise.migrations import operations as ops
from models.identity.delegations import DelegationBasis, DelegationStatus, Relation
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palm', '0001_identity')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Delegation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('delegate', fields.ForeignKeyField('palm.Resident', source_field='delegate_id', db_constraint=True, to_field='id', related_name='delegations_held', on_delete=OnDelete.CASCADE)),
                ('subject_resident', fields.ForeignKeyField('palm.Resident', source_field='subject_resident_id', null=True, db_constraint=True, to_field='id', related_name='delegations_given', on_delete=OnDelete.SET_NULL)),
                ('subject_name_enc', fields.TextField(unique=False)),
                ('subject_id_number_enc', fields.TextField(unique=False)),
                ('subject_id_hash', fields.CharField(db_index=True, max_length=64)),
                ('subject_birth_date', fields.DateField()),
                ('relation', fields.CharEnumField(description='CHILD: child\nPARENT: parent', enum_type=Relation, max_length=6)),
                ('scopes', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=DelegationStatus.PENDING, description='PENDING: pending\nACTIVE: active\nREVOKED: revoked\nDECLINED: declined', enum_type=DelegationStatus, max_length=8)),
                ('basis', fields.CharEnumField(description='HOUSEHOLD_REGISTER: household_register\nSUBJECT_CONFIRMED: subject_confirmed', enum_type=DelegationBasis, max_length=18)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delegations', 'app': 'palm', 'unique_together': (('delegate', 'subject_id_hash'),), 'pk_attr': 'id', 'table_description': 'The subject may have no account (a child): they are identified by their ID number.'},
            bases=['Model'],
        ),
    ]
