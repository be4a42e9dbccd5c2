"""A BM25 index over articles: title and keywords count more than the body.

Scores are also reported as coverage (the share of the question's term weight the article
holds), which tells a real answer from a weak guess whatever the question's length.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from services.kb.articles import Article
from services.kb.tokens import terms

K1, B = 1.2, 0.75
TITLE_WEIGHT, KEYWORD_WEIGHT = 3, 2


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    score: float
    coverage: float  # 0..1: how much of the question this article speaks to


def document_terms(article: Article) -> list[str]:
    """The terms an article is found by, the title and keywords repeated for weight."""
    title = terms(f"{article.title} {article.title_en}")
    keywords = terms(" ".join(article.keywords))
    body = terms(f"{article.body} {article.body_en}")
    return title * TITLE_WEIGHT + keywords * KEYWORD_WEIGHT + body


class Index:
    """Immutable once built; searching allocates only the score table."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = tuple(articles)
        counts = [Counter(document_terms(a)) for a in self.articles]
        lengths = [sum(c.values()) for c in counts]
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        n = len(self.articles)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for doc, counter in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[doc] / average)
            for term, tf in counter.items():
                # The BM25 term weight without idf, precomputed per (term, document).
                self._postings.setdefault(term, []).append((doc, tf * (K1 + 1) / (tf + norm)))
        self._idf = {
            term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
            for term, p in self._postings.items()
        }

    def __len__(self) -> int:
        return len(self.articles)

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """The best ``limit`` articles for ``question``, best first (none when nothing matches)."""
        query = set(terms(question))
        known = [t for t in query if t in self._idf]
        if not known:
            return []
        # A word no article has is as telling as the rarest word: it counts fully against
        # coverage, so "天气" or "joke" is not answered by whatever shares its filler words.
        unseen = math.log(1 + (len(self.articles) + 0.5) / 0.5)
        missing = sum(_unseen_weight(t) for t in query if t not in self._idf)
        total = sum(self._idf[t] for t in known) + unseen * missing
        scores: dict[int, float] = {}
        held: dict[int, float] = {}
        for term in known:
            idf = self._idf[term]
            for doc, weight in self._postings[term]:
                scores[doc] = scores.get(doc, 0.0) + idf * weight
                held[doc] = held.get(doc, 0.0) + idf
        best = sorted(scores, key=lambda d: (-scores[d], d))[:limit]
        return [Hit(self.articles[d], scores[d], held[d] / total) for d in best]


def _unseen_weight(term: str) -> float:
    """How much a term no article has counts against coverage (tuned on tests/bot/kb_dev.json).

    A character bigram no article has mostly straddles two words ("证怎" of "残疾证怎么"): it says
    nothing. A lone character is often a particle or a verb any answer could use: half.
    """
    if term.startswith("~"):
        return 0.0
    return 0.5 if len(term) == 1 else 1.0
