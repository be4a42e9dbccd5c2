"""Every refusal of the credit service, with its stable code and messages in Chinese and English.

The class returned fixes the HTTP status (``palm.problems``). A grant the resident's credit
does not allow is not an error: it is a ``not_waived`` answer (``grants.REASONS``).
"""

from __future__ import annotations

from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def no_merchant() -> PermissionDenied:
    return PermissionDenied(
        "no_merchant", "您的账户未绑定商户。", "Your account is not bound to a merchant."
    )


def organisation_not_found() -> NotFound:
    return NotFound("organisation_not_found", "找不到该机构。", "No such organisation.")


def scene_not_found() -> NotFound:
    return NotFound("scene_not_found", "找不到该免押场景。", "No such deposit-waiver scene.")


def member_no_account() -> PermissionDenied:
    return PermissionDenied(
        "credit_member_no_account",
        "信用免押以本人信用为准：该家人没有自己的实名账户，请使用您本人的信用码。",
        "Credit waivers rest on the holder's own credit: this family member has no verified "
        "account of their own; use your own credit code.",
    )


def amount_over_deposit() -> InvalidInput:
    return InvalidInput(
        "amount_over_deposit",
        "免押金额不能超过本场景的押金。",
        "The amount must be positive and at most the scene's deposit.",
    )


def reference_taken() -> Conflict:
    return Conflict(
        "waiver_reference_exists",
        "该业务单号已有免押记录。",
        "A waiver with this reference already exists at this merchant.",
    )


def waiver_not_found() -> NotFound:
    return NotFound("waiver_not_found", "找不到该免押记录。", "No such waiver.")


def waiver_not_active() -> Conflict:
    return Conflict(
        "waiver_not_active",
        "该免押记录已结束或已登记违约。",
        "This waiver is closed or already in default.",
    )


def bill_unpaid() -> Conflict:
    return Conflict(
        "bill_unpaid",
        "账单尚未支付，不能结束免押。",
        "The bill is unpaid; record its payment instead.",
    )


def nothing_owed() -> Conflict:
    return Conflict("nothing_owed", "该记录没有待支付的金额。", "Nothing is owed on this waiver.")


def default_amount_invalid() -> InvalidInput:
    return InvalidInput(
        "default_amount_invalid",
        "违约金额不能超过免押金额或账单金额。",
        "The amount must be positive and at most what was waived or billed.",
    )


def default_not_found() -> NotFound:
    return NotFound("default_not_found", "该记录没有违约登记。", "This waiver has no default.")


def default_not_disputable() -> Conflict:
    return Conflict(
        "default_not_disputable",
        "该违约已在处理中或已解决。",
        "This default is already disputed or resolved.",
    )


def dispute_not_found() -> NotFound:
    return NotFound("dispute_not_found", "找不到该异议。", "No such dispute.")


def dispute_decided() -> Conflict:
    return Conflict("dispute_decided", "该异议已处理。", "This dispute was already decided.")


def bill_amount_invalid() -> InvalidInput:
    return InvalidInput("bill_amount_invalid", "账单金额无效。", "The bill amount is invalid.")


def no_open_bill() -> Conflict:
    return Conflict("no_open_bill", "该记录没有待结算的账单。", "There is no open bill to settle.")
