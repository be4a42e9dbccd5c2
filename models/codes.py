"""Issuer keys for signed codes, the revocation list, and the keyring's version counter."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model


class KeyAlgorithm(StrEnum):
    P256 = "p256"
    ED25519 = "ed25519"
    SM2 = "sm2"


class IssuerKeyStatus(StrEnum):
    ACTIVE = "active"
    RETIRING = "retiring"
    RETIRED = "retired"


class IssuerKey(Model):
    """One issuer key pair, its private half encrypted with FieldCipher (the kid is the AAD)."""

    id = fields.BigIntField(primary_key=True)
    kid = fields.IntField(unique=True)
    """The key id carried in codes (uint16), allocated in order by the key store."""
    algorithm = fields.CharEnumField(KeyAlgorithm)
    public_key = fields.BinaryField()
    private_key_enc = fields.TextField()
    status = fields.CharEnumField(IssuerKeyStatus, default=IssuerKeyStatus.ACTIVE)
    # 1 while active, NULL otherwise: a unique column admits many NULLs but a single 1, which
    # is how both SQLite and PostgreSQL can refuse a second active key.
    active_slot = fields.SmallIntField(null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    rotated_at = fields.DatetimeField(null=True)
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "code_issuer_keys"
        constraints = (
            CheckConstraint(check="kid BETWEEN 1 AND 65535", name="code_issuer_keys_kid_u16"),
            CheckConstraint(
                check="(status = 'active' AND active_slot = 1)"
                " OR (status <> 'active' AND active_slot IS NULL)",
                name="code_issuer_keys_one_active",
            ),
            CheckConstraint(
                check="status <> 'retired' OR retired_at IS NOT NULL",
                name="code_issuer_keys_retired_at",
            ),
        )


class RevocationScope(StrEnum):
    RIDE = "ride"
    TALENT = "talent"
    CREDIT = "credit"
    CONSENT = "consent"
    ALL = "all"


class RevocationReason(StrEnum):
    CANCELLED = "cancelled"
    LOST = "lost"
    ARREARS = "arrears"


class RevocationEntry(Model):
    """A card or account whose codes must be refused, for one purpose or all of them."""

    id = fields.BigIntField(primary_key=True)
    subject = fields.CharField(max_length=36)
    purpose = fields.CharEnumField(RevocationScope)
    reason = fields.CharEnumField(RevocationReason)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "code_revocations"
        unique_together = (("subject", "purpose"),)


class KeyringVersion(Model):
    """The keyring document's version: one row, bumped with every key or revocation change.

    Validators send the version they hold and get 304 while it is current, so one counter
    must cover both halves of the document.
    """

    id = fields.SmallIntField(primary_key=True)
    version = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "code_keyring_version"
        constraints = (
            CheckConstraint(check="id = 1", name="code_keyring_version_single_row"),
            CheckConstraint(check="version >= 0", name="code_keyring_version_non_negative"),
        )
