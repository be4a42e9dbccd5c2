from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.notifications import NotificationChannel
from models.identity.residents import Language
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palm', '0008_family')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notification',
            name='channel',
            field=fields.CharEnumField(null=True, description='SUBSCRIBE: subscribe\nMESSAGE: message', enum_type=NotificationChannel, max_length=16),
        ),
        ops.AddField(
            model_name='Notification',
            name='data_en',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Notification',
            name='read_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Resident',
            name='language',
            field=fields.CharEnumField(null=True, description='ZH: zh\nEN: en', enum_type=Language, max_length=2),
        ),
    ]
