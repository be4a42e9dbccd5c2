"""Terms for search: jieba words (search mode) and character bigrams for Chinese, stems for English.

The words come from rjieba (jieba-rs: jieba's dictionary and algorithm in Rust), which gives the
same tokens as jieba on every article and question (``python -m bench tokenizer``).

Bigrams catch what the dictionary splits differently ("乘车码" vs "乘车" + "码"); English words
are lower-cased and lightly stemmed so "cards" finds "card".
"""

from __future__ import annotations

import re
from functools import cache

import rjieba


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Product words the general dictionary does not know; kept whole so they rank above their parts.
DOMAIN_WORDS = (
    "英才卡", "电子卡", "乘车码", "鲁通码", "一码通乘", "免押", "免押金", "信用免押", "信用就医",
    "先诊疗后付费", "病历", "掌上查", "互认", "年检", "自动年检", "实名认证", "实名", "12345",
    "工单", "副卡", "绿色通道", "人才公寓", "欠费", "优抚", "无证明城市", "免申即享", "授权码",
    "爱山东", "家人代办", "信用分", "失信", "检验结果", "检查结果", "随申办", "老年卡", "学生卡",
)  # fmt: skip
_STOP_ZH = _words(
    "的 了 吗 呢 吧 啊 是 我 你 他 她 它 我们 怎么 怎样 如何 什么 哪里 哪些 可以 能 能不能 "
    "要 想 请问 一下 有 没有 在 和 与 及 或 为 为什么 多少 几 这 那 个 会 都 还 就 也 吗？ "
    "怎么样 怎么办 我要 我想 想要 需要 是不是 能否 是否 哪个 哪儿 一般 今天 现在 "
    "？ ， 。 ！ 、 ： ； （ ） “ ” 《 》"
)
_STOP_EN = _words(
    "a an the is are am be been do does did how what when where which who why can could i my me "
    "we our you your to of in on for at by with and or if it its this that there from as get "
    "will would should may much many please not no"
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")


@cache
def _segmenter() -> rjieba.Jieba:
    # A private segmenter (not rjieba's global one, which others may add words to), built once
    # per process with jieba's dictionary plus ours.
    segmenter = rjieba.Jieba()
    for word in DOMAIN_WORDS:
        segmenter.add_word(word, 200_000, None)
    return segmenter


def stem(word: str) -> str:
    """A light English stemmer: enough to join plurals and -ing/-ed forms."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    # "ride", "riding" and "rides" all end as "rid".
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def terms(text: str) -> list[str]:
    """The search terms of ``text`` (with repeats: term frequency matters)."""
    lowered = text.lower()
    found: list[str] = []
    for word in _segmenter().cut_for_search(lowered, hmm=False):
        word = word.strip()
        if not word or word in _STOP_ZH or not _CJK_RUN.fullmatch(word):
            continue
        found.append(word)
    for run in _CJK_RUN.findall(lowered):
        pairs = (run[i : i + 2] for i in range(len(run) - 1))
        found.extend("~" + pair for pair in pairs if pair not in _STOP_ZH)
    found.extend(stem(w) for w in _WORD.findall(lowered) if len(w) > 1 and w not in _STOP_EN)
    return found


def warm_up() -> None:
    """Load the dictionary now (start-up, benchmarks), not on the first resident's question."""
    _segmenter().cut("威海")
