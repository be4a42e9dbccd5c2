from tortoise import migrations
from tortoise.migrations import operations as ops
from models.hotline.tickets import ActionKind, ActionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palm', '0005_sqlite_repair')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TicketAction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('palm.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='actions', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='FOLLOW_UP: follow_up\nCHASE: chase\nRATING: rating', enum_type=ActionKind, max_length=9)),
                ('key', fields.CharField(unique=True, max_length=40)),
                ('once', fields.CharField(null=True, unique=True, max_length=40)),
                ('text_enc', fields.TextField(null=True, unique=False)),
                ('score', fields.SmallIntField(null=True)),
                ('status', fields.CharEnumField(default=ActionStatus.PENDING, description='PENDING: pending\nSENT: sent\nREFUSED: refused', enum_type=ActionStatus, max_length=7)),
                ('error', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bot_ticket_actions', 'app': 'palm', 'pk_attr': 'id', 'table_description': 'Something the resident did to a ticket after filing it, handed to the 12345 platform.'},
            bases=['Model'],
        ),
    ]
