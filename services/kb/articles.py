"""Knowledge-base articles: Markdown with front matter, or JSON, shipped in ``bot/kb/articles``.

A Markdown article starts with ``---`` lines of ``key: value`` (slug, title, title_en, service,
source, updated, keywords as a comma list) and has its Chinese body, then an optional
``## English`` section with the English body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ARTICLES_DIR = Path(__file__).resolve().parents[2] / "bot" / "kb" / "articles"
SERVICES = ("talent", "transit", "medical", "credit", "identity", "hotline", "general")
_ENGLISH = "## English"


class ArticleError(ValueError):
    """An article file that cannot be read as one."""


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    title: str
    body: str
    service: str
    source: str
    updated: date
    title_en: str = ""
    body_en: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)


def from_mapping(data: Mapping[str, Any], slug: str | None = None) -> Article:
    """An article from parsed fields; ``ArticleError`` names what is missing or wrong."""
    try:
        raw_keywords = data.get("keywords") or ()
        if isinstance(raw_keywords, str):
            raw_keywords = raw_keywords.split(",")
        updated = data["updated"]
        article = Article(
            slug=str(slug or data["slug"]).strip(),
            title=str(data["title"]).strip(),
            body=str(data["body"]).strip(),
            service=str(data["service"]).strip(),
            source=str(data["source"]).strip(),
            updated=updated if isinstance(updated, date) else date.fromisoformat(str(updated)),
            title_en=str(data.get("title_en") or "").strip(),
            body_en=str(data.get("body_en") or "").strip(),
            keywords=tuple(k.strip() for k in raw_keywords if str(k).strip()),
        )
    except KeyError as exc:
        raise ArticleError(f"missing field {exc.args[0]}") from None
    except ValueError as exc:
        raise ArticleError(str(exc)) from None
    if article.service not in SERVICES:
        raise ArticleError(f"service must be one of {SERVICES}")
    if not (article.slug and article.title and article.body and article.source):
        raise ArticleError("slug, title, body and source must not be empty")
    return article


def parse_markdown(text: str, slug: str) -> Article:
    """One Markdown article (front matter, Chinese body, optional English section)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (s.strip() for s in lines[1:]):
        raise ArticleError("front matter (--- ... ---) is missing")
    end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    meta: dict[str, Any] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip()] = value.strip()
    body = "\n".join(lines[end + 1 :])
    zh, _, en = body.partition(_ENGLISH)
    return from_mapping({**meta, "body": zh, "body_en": en}, slug=meta.get("slug") or slug)


def load_dir(directory: Path = ARTICLES_DIR) -> list[Article]:
    """Every article in ``directory`` (``*.md``, and ``*.json`` holding one or a list)."""
    found: list[Article] = []
    for path in sorted(directory.iterdir()):
        try:
            if path.suffix == ".md":
                found.append(parse_markdown(path.read_text(encoding="utf-8"), path.stem))
            elif path.suffix == ".json":
                found.extend(_from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (ArticleError, ValueError) as exc:
            raise ArticleError(f"{path.name}: {exc}") from None
    slugs = [a.slug for a in found]
    if len(set(slugs)) != len(slugs):
        raise ArticleError("two articles share a slug")
    return found


def _from_json(data: Any) -> Iterable[Article]:
    items = data.get("articles", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ArticleError("a JSON article file holds an object or a list of objects")
    return [from_mapping(item) for item in items]
