"""The knowledge base: the seeded articles, reading article files, and the held-out questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.kb.articles import ARTICLES_DIR, SERVICES, ArticleError, load_dir, parse_markdown
from services.kb.index import Index

EVAL = Path(__file__).with_name("kb_eval.json")


def _questions() -> list[dict[str, object]]:
    return list(json.loads(EVAL.read_text(encoding="utf-8"))["questions"])


def test_the_seed_covers_every_service_in_both_languages() -> None:
    articles = load_dir()
    assert len(articles) >= 60
    assert {a.service for a in articles} == set(SERVICES)
    assert all(a.title_en and a.body_en and a.source and a.keywords for a in articles)


def test_markdown_and_json_articles_load_and_bad_ones_are_named(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: 标题\nservice: general\nsource: 规则\nupdated: 2026-01-02\n"
        "keywords: 一, two\n---\n正文\n\n## English\n\nBody\n",
        encoding="utf-8",
    )
    (tmp_path / "b.json").write_text(
        json.dumps(
            {
                "articles": [
                    {
                        "slug": "b",
                        "title": "B",
                        "body": "乙",
                        "service": "credit",
                        "source": "s",
                        "updated": "2026-01-03",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    a, b = load_dir(tmp_path)
    assert (a.slug, a.body, a.body_en, a.keywords) == ("a", "正文", "Body", ("一", "two"))
    assert (b.slug, b.service) == ("b", "credit")
    (tmp_path / "c.md").write_text("no front matter", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"c\.md"):
        load_dir(tmp_path)
    with pytest.raises(ArticleError, match="service"):
        parse_markdown(
            "---\ntitle: t\nservice: weather\nsource: s\nupdated: 2026-01-01\n---\nx", "x"
        )


def test_held_out_questions_find_their_article() -> None:
    """Not a timing test: accuracy only (bench/kb.py measures speed)."""
    questions = _questions()
    slugs = {a.slug for a in load_dir(ARTICLES_DIR)}
    index = Index(load_dir(ARTICLES_DIR))
    top3 = 0
    for item in questions:
        expected = set(item["expected"])  # type: ignore[call-overload]
        assert expected <= slugs, item
        hits = [h.article.slug for h in index.search(str(item["q"]), 3)]
        top3 += bool(expected & set(hits))
    assert len(questions) >= 120
    assert top3 / len(questions) >= 0.90


def test_filler_and_unrelated_questions_match_nothing() -> None:
    index = Index(load_dir())
    for question in ("今天天气怎么样", "附近有什么好吃的", "what's the weather", "你好"):
        assert index.search(question) == [], question


def test_the_bot_says_when_it_does_not_know() -> None:
    """Floors for the confidence gate, on sets it was not tuned on (bench/kb.py prints them)."""
    from bench.kb import DEV, _outside, gate

    outside, dev = _outside(), json.loads(DEV.read_text(encoding="utf-8"))
    assert len(outside) >= 60
    assert not set(outside) & set(dev["outside"])  # the tuning split is apart
    assert not {q for q, _ in _held_out()} & {item["q"] for item in dev["inside"]}
    held = gate("held-out", Index(load_dir()), _held_out(), outside)
    assert held.refused_outside >= 0.80
    assert held.false_refusals <= 0.20
    assert held.answered_right >= 0.60
    assert held.wrong <= 0.25


def _held_out() -> list[tuple[str, set[str]]]:
    return [(str(item["q"]), set(item["expected"])) for item in _questions()]  # type: ignore[call-overload]
