"""Consents can be withdrawn after a scan: when (revoked_at), and two access-log actions.

The access log's ``action`` gains ``revoke`` and ``refused`` (its column description lists
them). On SQLite that AlterField rebuilds medical_access_log, and the rebuild leaves out its
index on patient_key (see 0005_sqlite_repair.py), so it is made again here.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.medical.access_log import AccessAction

_INDEX = (
    'CREATE INDEX IF NOT EXISTS "idx_medical_acc_patient_4c9090"'
    ' ON "medical_access_log" ("patient_key")'
)


async def _index_again_on_sqlite(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script(_INDEX)


class Migration(migrations.Migration):
    dependencies = [('palm', '0006_hotline_actions')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AccessLogEntry',
            name='action',
            field=fields.CharEnumField(description='LIST: list\nREAD: read\nDOCUMENT: document\nRECOGNITION: recognition\nREVOKE: revoke\nREFUSED: refused', enum_type=AccessAction, max_length=11),
        ),
        ops.RunPython(_index_again_on_sqlite, ops.RunPython.noop),
        ops.AddField(
            model_name='MedicalConsent',
            name='revoked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
