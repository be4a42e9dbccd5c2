"""The knowledge base's word segmenter: rjieba (jieba-rs, what the bot uses) against jieba.

Measured in one run, each library with jieba's dictionary plus ``DOMAIN_WORDS``:

- tokens: ``cut_for_search`` (no HMM, as ``services.kb.tokens`` calls it) on every text the
  index reads (each article's title, keywords and body, lower-cased as ``terms`` does) and on
  every question in tests/bot/kb_*.json; any difference is printed;
- retrieval: the figures of ``bench.kb`` (top-1/top-3 and the confidence gate) with the index
  built and queried through each library;
- speed: segmenting all those texts, best of several rounds;
- start-up: import time, time to a ready segmenter (dictionary loaded, our words added) and the
  process's peak memory, each in a fresh interpreter, beside a bare interpreter's.

Exit status 1 when the tokens or the retrieval figures differ (or jieba is not installed: it is
in the dev extra only, for this comparison).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from bench import kb
from services.kb import tokens
from services.kb.articles import load_dir

ROUNDS = 5
STARTS = 3  # fresh interpreters per library; the best is shown

# What a fresh interpreter does to get a ready segmenter; prints seconds and peak RSS (KiB).
# rjieba builds a default segmenter at import, so its import time includes one dictionary load.
_START = {
    "none": "pass",
    "jieba": (
        "import logging\nimport jieba\njieba.setLogLevel(logging.WARNING)\nimported = clock()\n"
        "s = jieba.Tokenizer()\nfor w in WORDS: s.add_word(w, freq=200_000)\n"
        "list(s.cut('威海'))"
    ),
    "rjieba": (
        "import rjieba\nimported = clock()\n"
        "s = rjieba.Jieba()\nfor w in WORDS: s.add_word(w, 200_000, None)\ns.cut('威海')"
    ),
}
_HARNESS = """\
import time
clock = time.perf_counter
WORDS = {words!r}
start = clock()
imported = None
{body}
ready = clock()
imported = imported or ready
# VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's over exec).
status = open("/proc/self/status").read().split("VmHWM:")[1]
rss = int(status.split()[0])
print(imported - start, ready - start, rss)
"""


class _Jieba:
    """jieba's Tokenizer behind rjieba's call signature."""

    def __init__(self) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        for word in tokens.DOMAIN_WORDS:
            self._tokenizer.add_word(word, freq=200_000)

    def cut_for_search(self, text: str, hmm: bool = True) -> list[str]:
        return list(self._tokenizer.cut_for_search(text, HMM=hmm))

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return list(self._tokenizer.cut(text, HMM=hmm))


def _texts() -> list[str]:
    """What ``terms`` hands the segmenter: the index's three fields per article, questions."""
    texts = []
    for article in load_dir():
        texts += [
            f"{article.title} {article.title_en}",
            " ".join(article.keywords),
            f"{article.body} {article.body_en}",
        ]
    for name in ("kb_eval", "kb_dev", "kb_outside"):
        data = json.loads((kb.TESTS / f"{name}.json").read_text(encoding="utf-8"))
        for key in ("questions", "inside", "outside"):
            texts += [item["q"] if isinstance(item, dict) else item for item in data.get(key, [])]
    return [text.lower() for text in texts]


@contextmanager
def _segmenter(segmenter: Any) -> Iterator[None]:
    """``services.kb.tokens`` segments with ``segmenter`` inside the block."""
    original = tokens._segmenter
    tokens._segmenter = lambda: segmenter  # type: ignore[assignment]
    try:
        yield
    finally:
        tokens._segmenter = original


def _best(run: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _start(name: str) -> tuple[float, float, int]:
    best: tuple[float, float, int] | None = None
    script = _HARNESS.format(words=tokens.DOMAIN_WORDS, body=_START[name])
    for _ in range(STARTS):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        imported, ready, rss = done.stdout.split()
        row = (float(imported), float(ready), int(rss))
        best = row if best is None or row[1] < best[1] else best
    assert best is not None
    return best


def _retrieval(segmenter: Any) -> dict[str, Any]:
    with _segmenter(segmenter):
        rows, _, gates = kb.run()
    keep = ("name", "top1", "top3")
    return {
        "rows": [{k: v for k, v in asdict(r).items() if k in keep} for r in rows],
        "gates": [asdict(g) for g in gates],
    }


def main(*, json_output: bool = False) -> int:
    try:
        old = _Jieba()
    except ImportError:
        print("tokenizer: jieba is not installed (pip install -e '.[dev]'): nothing to compare")
        return 1
    new = tokens._segmenter()
    texts = _texts()
    differ = []
    for text in texts:
        a, b = old.cut_for_search(text, hmm=False), new.cut_for_search(text, hmm=False)
        if a != b:
            differ.append({"text": text[:80], "jieba": a, "rjieba": b})
    count = sum(len(new.cut_for_search(t, hmm=False)) for t in texts)
    speed = {
        name: _best(lambda s=segmenter: [s.cut_for_search(t, hmm=False) for t in texts])
        for name, segmenter in (("jieba", old), ("rjieba", new))
    }
    retrieval = {name: _retrieval(s) for name, s in (("jieba", old), ("rjieba", new))}
    same_retrieval = retrieval["jieba"] == retrieval["rjieba"]
    starts = {name: _start(name) for name in _START}
    failed = bool(differ) or not same_retrieval
    if json_output:
        print(json.dumps({
            "texts": len(texts), "tokens": count, "differ": differ, "seconds": speed,
            "retrieval": retrieval, "same_retrieval": same_retrieval,
            "start": {n: dict(zip(("import_s", "ready_s", "peak_rss_kib"), v, strict=True))
                      for n, v in starts.items()},
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return int(failed)
    print(
        f"tokenizer: {len(texts)} texts (articles' title, keywords and body; every question in"
        f" tests/bot/kb_*.json), {count} tokens"
    )
    print(f"tokens: {len(texts) - len(differ)} of {len(texts)} texts segment identically")
    for d in differ[:10]:
        print(f"  differs: {d['text']!r}\n    jieba  {d['jieba']}\n    rjieba {d['rjieba']}")
    for name, r in retrieval.items():
        held = r["gates"][0]
        print(
            f"retrieval via {name:6}: top-1 {r['rows'][0]['top1']:.1%}, top-3"
            f" {r['rows'][0]['top3']:.1%}; gate: right {held['answered_right']:.1%}, wrong"
            f" {held['wrong']:.1%}, false refusals {held['false_refusals']:.1%}, out-of-KB"
            f" refused {held['refused_outside']:.1%}"
        )
    print(
        "retrieval figures (every ranker row and gate):",
        "identical" if same_retrieval else "DIFFER",
    )
    print(
        f"{'library':8} {'segment all ms':>15} {'import ms':>10} {'ready ms':>9}"
        f" {'peak RSS MiB':>13}"
    )
    for name in ("jieba", "rjieba", "none"):
        seg = f"{speed[name] * 1000:15.1f}" if name in speed else f"{'-':>15}"
        imported, ready, rss = starts[name]
        label = name if name != "none" else "(bare)"
        print(f"{label:8} {seg} {imported * 1000:10.1f} {ready * 1000:9.1f} {rss / 1024:13.1f}")
    print(
        f"(segment all: best of {ROUNDS}; import/ready/RSS: a fresh interpreter, best of {STARTS};"
        " ready: dictionary loaded and our words added)"
    )
    return int(failed)


if __name__ == "__main__":
    sys.exit(main(json_output="--json" in sys.argv))
