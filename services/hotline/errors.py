"""Every refusal of the 12345 hotline service (filing, actions on a ticket, progress pushes)."""

from __future__ import annotations

from typing import Final

from integrations.hotline.models import CHASE_AFTER_HOURS
from services.errors import Conflict, DomainError, InvalidInput, NotFound

_ACTION_REFUSALS: Final = {
    "ticket_not_submitted": ("工单正在提交12345，请稍后再试。",
                             "The request is still being sent to 12345; try again shortly."),
    "ticket_closed": ("工单已关闭，不能再补充。", "The ticket is closed."),
    "ticket_answered": ("工单已办结，无需催办；可以评价办理结果。",
                        "The ticket is answered: no need to chase; you may rate it."),
    "not_answered": ("工单办结后才能评价。", "A ticket can be rated once it is answered."),
    "already_rated": ("该工单已评价过。", "This ticket was already rated."),
    "too_early_to_chase": (f"工单{CHASE_AFTER_HOURS}小时内有进展或已催办过，暂不能催办。",
                           f"A ticket can be chased after {CHASE_AFTER_HOURS} hours without "
                           "progress, once per such period."),
}  # fmt: skip


def action_refused(code: str) -> DomainError:
    """A follow-up, chase or rating refused (409), by us or by the platform (the same codes)."""
    zh, en = _ACTION_REFUSALS[code]
    return Conflict(code, zh, en)


def ticket_not_found() -> DomainError:
    return NotFound("ticket_not_found", "找不到该工单。", "No such ticket.")


def ticket_description() -> DomainError:
    return InvalidInput(
        "ticket_description",
        "请描述您要反映的问题（2000字以内）。",
        "Describe the problem in up to 2,000 characters.",
    )


def malformed_push() -> DomainError:
    return InvalidInput("malformed_push", "推送内容格式错误。", "The push is not valid.")
