"""What the WeChat simulator does with messages: template data rules, consent, what was sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from integrations.wechat.models import ErrCode, SecVerdict
from integrations.wechat.sim.state import Refusal

# Test words, not a real list; the number is the label WeChat gives (20006 illegal, 20008
# fraud, 10001 advertising).
RISKY_WORDS = {"赌博": 20006, "代开发票": 20008}
REVIEW_WORDS = {"加微信": 10001}
PASS_LABEL = 100

# A template key's prefix says its type; each type has WeChat's length limit (None: by format).
_LIMITS: dict[str, int | None] = {
    "thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32,
    "time": None, "date": None, "amount": 14, "phone_number": 17, "car_number": 8,
    "name": 10, "phrase": 5,
}  # fmt: skip
_KEY = re.compile(rf"({'|'.join(_LIMITS)})[0-9]{{1,2}}")


def template_values(data: object) -> dict[str, str]:
    """The values of subscribe-message ``data``; 47003 when WeChat would not accept it."""
    if not isinstance(data, dict) or not data:
        raise _invalid("data is empty")
    values: dict[str, str] = {}
    for key, entry in data.items():
        match = _KEY.fullmatch(key)
        value = entry.get("value") if isinstance(entry, dict) else None
        if match is None or not isinstance(value, str) or not value:
            raise _invalid(f"data.{key}.value invalid")
        kind, limit = match[1], _LIMITS[match[1]]
        if kind == "name" and value.isascii():
            limit = 20  # Latin names may be twice as long
        if limit is not None and len(value) > limit:
            raise _invalid(f"data.{key}.value exceeds {limit} characters")
        if kind == "number" and not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            raise _invalid(f"data.{key}.value is not a number")
        values[key] = value
    return values


def _invalid(problem: str) -> Refusal:
    return Refusal(ErrCode.TEMPLATE_DATA_INVALID, f"argument invalid! {problem}")


def sec_verdict(content: str) -> tuple[SecVerdict, int]:
    """``msg_sec_check``'s suggestion and label for ``content``."""
    for word, label in RISKY_WORDS.items():
        if word in content:
            return "risky", label
    for word, label in REVIEW_WORDS.items():
        if word in content:
            return "review", label
    return "pass", PASS_LABEL


@dataclass
class Outbox:
    """Messages sent through the simulator, and whether users accepted each template."""

    subscribe: list[dict[str, Any]] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)
    # Users accept by default; tests record refusals. (WeChat counts one-time acceptances;
    # a yes/no per template is enough for our notification rules.)
    refused: set[tuple[str, str]] = field(default_factory=set)  # (openid, template_id)
    quota: int | None = None  # subscribe messages left today; None means no limit

    def check_consent(self, openid: str, template_id: str) -> None:
        if (openid, template_id) in self.refused:
            raise Refusal(ErrCode.USER_REFUSED, "user refuse to accept the msg")

    def spend_quota(self) -> None:
        if self.quota is None:
            return
        if self.quota <= 0:
            raise Refusal(ErrCode.DAILY_QUOTA, "reach max api daily quota limit")
        self.quota -= 1
