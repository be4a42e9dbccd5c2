"""Operators' versions of knowledge-base articles (they win over the files of the same slug)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class KbArticle(Model):
    """An operator's version of a knowledge-base article. It wins over the file of that slug."""

    id = fields.BigIntField(primary_key=True)
    slug = fields.CharField(max_length=80, unique=True)
    title = fields.CharField(max_length=120)
    title_en = fields.CharField(max_length=200, default="")
    body = fields.TextField()
    body_en = fields.TextField(default="")
    service = fields.CharField(max_length=32)
    source = fields.CharField(max_length=300)
    keywords: list[str] = fields.JSONField(default=list)
    hidden = fields.BooleanField(default=False)  # withdrawn by an operator
    edited_by = fields.UUIDField(null=True)
    edited_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "bot_kb_articles"
