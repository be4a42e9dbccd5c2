"""Which 12345 category a resident's words belong to (the platform re-sorts if we are wrong)."""

from __future__ import annotations

# Checked in order: the first category with a word in the text wins.
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JT", ("公交", "乘车", "车站", "司机", "线路", "红绿灯", "停车", "道路", "bus", "traffic",
            "road")),
    ("YL", ("医院", "看病", "病历", "医生", "挂号", "hospital", "doctor", "medical")),
    ("RC", ("英才卡", "人才", "就业", "工作", "工资", "talent", "job", "salary")),
    ("XY", ("信用", "押金", "免押", "失信", "credit", "deposit")),
    ("CS", ("路灯", "垃圾", "噪音", "装修", "井盖", "绿化", "占道", "小区", "物业", "light",
            "garbage", "noise", "rubbish")),
    ("ZW", ("办事", "窗口", "证明", "实名", "审批", "service office", "certificate")),
)  # fmt: skip


def classify(text: str) -> str:
    """A category code of ``integrations.hotline.models.CATEGORIES`` (``QT``: other)."""
    lowered = text.casefold()
    for code, words in _WORDS:
        if any(word in lowered for word in words):
            return code
    return "QT"
