"""Family and desk lists: who paid a waiver (a relative may), indexes for the paged lists."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('palm', '0007_medical_consents')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='CreditDefault',
            index=Index(fields=['status', 'created_at']),
        ),
        ops.AddIndex(
            model_name='CreditDispute',
            index=Index(fields=['status', 'created_at']),
        ),
        ops.AddField(
            model_name='CreditPayment',
            name='payer',
            field=fields.UUIDField(null=True, description='Resident id of who paid: the holder, or family acting for them'),
        ),
        ops.AddIndex(
            model_name='CreditWaiver',
            index=Index(fields=['merchant_id', 'granted_at']),
        ),
        ops.AddIndex(
            model_name='TalentApplication',
            index=Index(fields=['status', 'created_at']),
        ),
        ops.AddIndex(
            model_name='TalentEvidence',
            index=Index(fields=['resident_id', 'created_at']),
        ),
    ]
