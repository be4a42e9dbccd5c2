"""Scenes and their waiver policies (set by the credit office), and the merchants bound to them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tortoise.transactions import in_transaction

from models.credit.scenes import CreditScene, CreditSceneMerchant, Rating, SceneKind
from models.identity.organisations import Organisation
from services.errors import NotFound


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything an operator sets for a scene."""

    kind: SceneKind
    name_zh: str
    name_en: str
    deposit_fen: int
    min_rating: Rating
    resident_limit_fen: int
    max_days: int
    debtor_blocks: bool = True
    dispute_window_days: int = 7
    bill_free_days: int = 10
    active: bool = True


def _scene_not_found() -> NotFound:
    return NotFound("scene_not_found", "找不到该免押场景。", "No such deposit-waiver scene.")


async def put(code: str, policy: Policy) -> CreditScene:
    """Create the scene or replace its policy (waivers already granted keep their terms)."""
    scene, _ = await CreditScene.update_or_create(code=code, defaults=asdict(policy))
    return scene


async def list_scenes() -> list[CreditScene]:
    return await CreditScene.all().order_by("code").prefetch_related("merchants__organisation")


async def get(code: str) -> CreditScene:
    scene = await CreditScene.get_or_none(code=code)
    if scene is None:
        raise _scene_not_found()
    return scene


async def bind(code: str, organisation_code: str) -> None:
    """Let a merchant waive deposits in this scene (idempotent)."""
    scene = await get(code)
    organisation = await Organisation.get_or_none(code=organisation_code)
    if organisation is None:
        raise NotFound("organisation_not_found", "找不到该机构。", "No such organisation.")
    async with in_transaction():
        await CreditSceneMerchant.get_or_create(scene=scene, organisation=organisation)


async def unbind(code: str, organisation_code: str) -> None:
    """Stop a merchant waiving in this scene; waivers it already granted carry on."""
    scene = await get(code)
    organisation = await Organisation.get_or_none(code=organisation_code)
    if organisation is not None:
        await CreditSceneMerchant.filter(scene=scene, organisation=organisation).delete()


async def of_merchant(merchant: Organisation) -> list[CreditScene]:
    """The active scenes this merchant may waive deposits in."""
    return await CreditScene.filter(merchants__organisation=merchant, active=True).order_by("code")


async def bound_scene(merchant: Organisation, code: str) -> CreditScene:
    """The scene, if active and bound to this merchant; otherwise not found."""
    scene = await CreditScene.get_or_none(code=code, active=True, merchants__organisation=merchant)
    if scene is None:
        raise _scene_not_found()
    return scene
