"""Every refusal of the knowledge base (operators' edits)."""

from __future__ import annotations

from services.errors import DomainError, InvalidInput, NotFound


def article_not_found() -> DomainError:
    return NotFound(
        "kb_article_not_found", "找不到该知识库文章。", "No such knowledge-base article."
    )


def invalid_slug() -> DomainError:
    return InvalidInput(
        "invalid_slug",
        "文章标识只能含小写字母、数字和连字符。",
        "A slug has lower-case letters, digits and hyphens only.",
    )
