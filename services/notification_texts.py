"""Our notification templates: the WeChat template each uses, and its text in the inbox.

A subscribe message is its template's fields (``thing1``, ``amount2`` …) filled by the
service that notifies; the inbox shows a title and one sentence made of the same values, in
Chinese or English. English needs the values in English (``values_en``): without them the
entry keeps the Chinese sentence under an English title rather than mix the two languages.
WeChat gets the English values only when they fit its field limits; the inbox always has them.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.identity.residents import Language


@dataclass(frozen=True, slots=True)
class Template:
    """A subscribe-message template: its WeChat id, the keys its fields go to, its texts."""

    template_id: str
    fields: tuple[str, ...]
    title_zh: str = ""
    title_en: str = ""
    body_zh: str = ""
    body_en: str = ""


# Our template names → the WeChat template ids registered for the mini-program.
TEMPLATES = {
    "application_decided": Template(
        "tmpl-application-decided", ("thing1", "phrase2", "thing3", "time4"),
        "审批结果通知", "Application decided",
        "{thing1}：{phrase2}。{thing3}（{time4}）", "{thing1}: {phrase2}. {thing3} ({time4})",
    ),
    "card_expiring": Template(
        "tmpl-card-expiring", ("thing1", "date2", "thing3"),
        "到期提醒", "Card expiring",
        "{thing1}将于{date2}到期。{thing3}", "{thing1} expires on {date2}. {thing3}",
    ),
    "reverification": Template(
        "tmpl-reverification", ("thing1", "phrase2", "date3", "thing4"),
        "年检提醒", "Annual check",
        "{thing1}：{phrase2}（{date3}）。{thing4}", "{thing1}: {phrase2} ({date3}). {thing4}",
    ),
    "payment_due": Template(
        "tmpl-payment-due", ("thing1", "amount2", "date3", "thing4"),
        "待支付提醒", "Payment due",
        "{thing1}：{amount2}（{date3}）。{thing4}", "{thing1}: {amount2} ({date3}). {thing4}",
    ),
    "waiver_default": Template(
        "tmpl-waiver-default", ("thing1", "amount2", "date3", "thing4"),
        "免押违约通知", "Deposit waiver default",
        "{thing1}记录违约{amount2}，期限{date3}。{thing4}",
        "{thing1} recorded a default of {amount2}; deadline {date3}. {thing4}",
    ),
    "ticket_progress": Template(
        "tmpl-ticket-progress", ("character_string1", "phrase2", "thing3", "time4"),
        "12345工单进展", "12345 request update",
        "工单{character_string1}：{phrase2}。{thing3}（{time4}）",
        "Request {character_string1}: {phrase2}. {thing3} ({time4})",
    ),
    "policy_found": Template(
        "tmpl-policy-found", ("thing1", "thing2", "thing3"),
        "政策找人", "A benefit for you",
        "{thing1}：{thing2}。{thing3}", "{thing1}: {thing2}. {thing3}",
    ),
}  # fmt: skip


def check_values(template: str, *values: dict[str, str] | None) -> None:
    """Refuse values that are not exactly the template's fields (a bug in the caller)."""
    spec = TEMPLATES[template]
    for given in values:
        if given is not None and set(given) != set(spec.fields):
            raise ValueError(f"template {template} takes {spec.fields}, got {sorted(given)}")


# What WeChat accepts in a subscribe message's fields, by kind (characters).
_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "name": 20, "letter": 32}


def fits(values: dict[str, str]) -> bool:
    """Whether WeChat would take these values (English often outgrows a 5-character phrase)."""
    return all(
        len(value) <= _LIMITS.get(key.rstrip("0123456789"), 64) for key, value in values.items()
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    body: str
    lang: Language  # the language the body is really in


def render(
    template: str, values: dict[str, str], values_en: dict[str, str] | None, lang: Language
) -> Rendered:
    """The inbox entry's title and sentence in ``lang`` (the body in Chinese when it must)."""
    spec = TEMPLATES.get(template)
    if spec is None:  # a template retired since the row was written: show the values
        return Rendered(template, " ".join(values.values()), Language.ZH)
    if lang == Language.EN and values_en:
        return Rendered(spec.title_en, _fill(spec.body_en, values_en), Language.EN)
    title = spec.title_en if lang == Language.EN else spec.title_zh
    return Rendered(title, _fill(spec.body_zh, values), Language.ZH)


def _fill(pattern: str, values: dict[str, str]) -> str:
    # format_map with a default: a row missing a field still renders.
    return pattern.format_map(_Blank(values)).replace("。。", "。").strip()


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
