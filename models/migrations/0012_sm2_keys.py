"""National algorithms: SM2 issuer keys (the enum gains sm2; the column is unchanged)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.codes import KeyAlgorithm
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('palm', '0011_access_chains')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='IssuerKey',
            name='algorithm',
            field=fields.CharEnumField(description='P256: p256\nED25519: ed25519\nSM2: sm2', enum_type=KeyAlgorithm, max_length=7),
        ),
    ]
