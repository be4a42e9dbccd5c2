"""Signed tree heads over every patient's access-log chain, and the leaves each one covers.

A tree head is a Merkle root (RFC 6962 hashing) over one leaf per patient, (patient_key,
head seq, head hash), signed by the app. A leaf row is valid from the tree that first covered
it until the tree before the one that replaced it, so a seal writes only the patients whose
chains moved, and the leaves of any kept tree can be read back.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AccessTreeHead(Model):
    """One seal of all chains (append-only): its root, size, time and signature."""

    id = fields.BigIntField(primary_key=True, generated=False)  # the tree number, 1, 2, …
    tree_size = fields.BigIntField()
    root_hash = fields.CharField(max_length=64)
    timestamp_ms = fields.BigIntField()  # signed as milliseconds since the epoch
    algorithm = fields.CharField(max_length=16)
    public_key = fields.CharField(max_length=128)  # hex
    signature = fields.CharField(max_length=128)  # hex, 64 raw bytes

    class Meta:
        table = "medical_access_tree_heads"


class AccessTreeLeaf(Model):
    """A patient's chain head as trees ``from_tree`` .. ``to_tree`` (open: still current) saw it."""

    id = fields.BigIntField(primary_key=True)
    patient_key = fields.CharField(max_length=64)
    seq = fields.BigIntField()
    entry_hash = fields.CharField(max_length=64)
    from_tree = fields.BigIntField()
    to_tree = fields.BigIntField(null=True, db_index=True)

    class Meta:
        table = "medical_access_tree_leaves"
        unique_together = (("patient_key", "from_tree"),)
