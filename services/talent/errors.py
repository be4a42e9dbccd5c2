"""Every refusal of the talent service, with its stable code and messages in Chinese and English."""

from __future__ import annotations

from services.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


def application_pending() -> DomainError:
    return Conflict(
        "talent_application_pending",
        "您已有一份申请正在审核，请等待结果。",
        "An application of yours is already waiting for review.",
    )


def card_exists() -> DomainError:
    return Conflict(
        "talent_card_exists",
        "您已持有同等或更高等级的英才卡；到期前30天可续期。",
        "You already hold a card of this tier or higher; renewal opens 30 days before expiry.",
    )


def evidence_required(reason: str) -> DomainError:
    return InvalidInput(
        "talent_evidence_required",
        "人才平台暂无法确认您的人才资格，请上传学历、职称等证明材料后提交人工审核。",
        "The talent platform cannot confirm your qualification: attach evidence (degree, "
        "title) for an operator to review.",
        detail=f"The talent platform cannot confirm your qualification ({reason}): attach "
        "evidence (degree, title) for an operator to review.",
    )


def evidence_not_found(*, attached: bool = False) -> DomainError:
    """No such upload: 404 at its own path; 400 when an application's body names it."""
    if attached:
        return InvalidInput(
            "talent_evidence_not_found",
            "找不到所附的证明材料，请重新上传。",
            "An attached evidence file does not exist or is already used; upload it again.",
        )
    return NotFound("talent_evidence_not_found", "找不到该证明材料。", "No such evidence.")


def evidence_too_large(*, pixels: bool = False) -> DomainError:
    if pixels:
        return InvalidInput(
            "talent_evidence_too_large", "图片像素过多。", "The image has too many pixels."
        )
    return InvalidInput(
        "talent_evidence_too_large", "图片不能超过5MB。", "Images are 5 MB at most."
    )


def evidence_type() -> DomainError:
    return InvalidInput("talent_evidence_type", "仅支持JPEG或PNG图片。", "Only JPEG or PNG images.")


def evidence_unreadable() -> DomainError:
    return InvalidInput("talent_evidence_unreadable", "图片无法识别。", "The image cannot be read.")


def evidence_encoding() -> DomainError:
    return InvalidInput(
        "talent_evidence_encoding", "图片编码有误。", "The image must be sent as base64."
    )


def evidence_too_many(cap: int) -> DomainError:
    return Conflict(
        "talent_evidence_too_many",
        f"未使用的证明材料已达{cap}份：请先提交申请或删除不需要的图片，未使用的图片一天后自动删除。",
        f"{cap} uploads are already waiting for an application: apply with them or delete "
        "some; unused uploads are deleted after a day.",
    )


def application_not_found() -> DomainError:
    return NotFound("talent_application_not_found", "找不到该申请。", "No such application.")


def reason_required() -> DomainError:
    return InvalidInput("talent_reason_required", "请填写不通过的原因。", "Give the reason.")


def applicant_closed() -> DomainError:
    return InvalidInput("talent_applicant_closed", "申请人已注销。", "The applicant left.")


def class_required() -> DomainError:
    return InvalidInput("talent_class_required", "请选择人才类别。", "Choose the talent class.")


def contract_ended() -> DomainError:
    return InvalidInput("talent_contract_ended", "劳动合同已到期。", "The labour contract ended.")


def application_decided() -> DomainError:
    return Conflict(
        "talent_application_decided",
        "该申请已处理。",
        "This application has already been decided.",
    )


def own_application() -> DomainError:
    return PermissionDenied(
        "talent_review_own_application",
        "不能审核本人的申请。",
        "You may not decide your own application.",
    )


def no_rule(talent_class: str) -> DomainError:
    return InvalidInput(
        "talent_class_unknown",
        "该人才类别没有对应的卡种规则。",
        f"No tier rule exists for talent class {talent_class}.",
    )


def card_not_found() -> DomainError:
    return NotFound("talent_card_not_found", "您还没有英才卡。", "You hold no talent card.")


def card_lost() -> DomainError:
    return Conflict(
        "talent_card_lost",
        "此英才卡已挂失，不能使用。",
        "This card was reported lost and can no longer be used.",
    )


def card_expired() -> DomainError:
    return Conflict(
        "talent_card_expired",
        "此英才卡已过期，请续期。",
        "This card has expired; renew it in the mini-program.",
    )


def card_inactive() -> DomainError:
    return Conflict(
        "talent_card_inactive",
        "此英才卡已停用。",
        "This card has been replaced or withdrawn and can no longer be used.",
    )


def renewal_not_open() -> DomainError:
    return Conflict(
        "talent_renewal_not_open",
        "到期前30天方可续期。",
        "Renewal opens 30 days before the card expires.",
    )


def not_lost() -> DomainError:
    return Conflict(
        "talent_card_not_lost",
        "只有挂失的卡才能补办。",
        "Only a card reported lost can be replaced.",
    )


def family_not_allowed() -> DomainError:
    return PermissionDenied(
        "talent_family_not_allowed",
        "您的卡种不能办理家属副卡。",
        "Your card's tier has no family sub-cards.",
    )


def family_limit(limit: int) -> DomainError:
    return Conflict(
        "talent_family_limit",
        f"家属副卡已达上限（{limit}张）。",
        f"You already hold the most family sub-cards your tier allows ({limit}).",
    )


def family_exists() -> DomainError:
    return Conflict(
        "talent_family_exists",
        "该家属已持有英才卡副卡。",
        "This family member already holds a talent sub-card.",
    )


def family_self() -> DomainError:
    return InvalidInput(
        "talent_family_self", "不能为自己办理副卡。", "A sub-card is for a family member."
    )


def family_identity_mismatch() -> DomainError:
    return InvalidInput(
        "talent_family_identity_mismatch",
        "家属姓名与证件号码不一致。",
        "The family member's name does not match the ID number.",
    )


def family_not_in_household() -> DomainError:
    return InvalidInput(
        "talent_family_not_in_household",
        "户籍信息中未能核实该家庭关系。",
        "The household register does not show this family relation.",
    )


def family_card_not_found() -> DomainError:
    return NotFound("talent_family_card_not_found", "找不到该副卡。", "No such family sub-card.")


def benefit_not_found() -> DomainError:
    return NotFound("talent_benefit_not_found", "找不到该权益。", "No such benefit.")


def benefit_exists() -> DomainError:
    return Conflict(
        "talent_benefit_exists", "该权益编码已存在。", "A benefit with this code exists."
    )


def benefit_dates() -> DomainError:
    return InvalidInput(
        "talent_benefit_dates", "结束日期早于开始日期。", "The benefit ends before it starts."
    )


def partner_unknown(merchant: str) -> DomainError:
    return InvalidInput(
        "talent_partner_unknown",
        "找不到该合作商户。",
        f"No partner merchant or hospital {merchant!r}.",
    )


def wrong_merchant() -> DomainError:
    return PermissionDenied(
        "talent_wrong_merchant",
        "此权益不在本商户使用。",
        "This benefit is not offered at your venue.",
    )


def benefit_inactive() -> DomainError:
    return Conflict(
        "talent_benefit_inactive", "此权益当前不可用。", "This benefit is not available now."
    )


def tier_not_eligible() -> DomainError:
    return PermissionDenied(
        "talent_tier_not_eligible",
        "该卡种不享受此权益。",
        "This card's tier does not include this benefit.",
    )


def family_not_eligible() -> DomainError:
    return PermissionDenied(
        "talent_family_not_eligible",
        "家属副卡不享受此权益。",
        "Family sub-cards do not include this benefit.",
    )


def quota_exhausted() -> DomainError:
    return Conflict(
        "talent_quota_exhausted",
        "本期权益次数已用完。",
        "The quota for this benefit is used up for this period.",
    )


def report_range(max_months: int) -> DomainError:
    return InvalidInput(
        "talent_report_range",
        f"报表范围须为1至{max_months}个月。",
        f"A report covers 1 to {max_months} months, the first not after the last.",
    )
