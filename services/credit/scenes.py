"""Scenes and their waiver policies (set by the credit office), and the merchants bound to them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from tortoise.transactions import in_transaction

from models.credit.scenes import CreditScene, CreditSceneMerchant
from models.credit.scenes import Rating as Rating  # the policy's vocabulary, for the handlers
from models.credit.scenes import SceneKind as SceneKind
from models.identity.organisations import Organisation
from services.credit import errors


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


@dataclass(frozen=True, slots=True)
class Scene:
    """A scene as the credit office sees it: its policy and the merchants bound to it."""

    code: str
    policy: Policy
    merchants: list[str]  # organisation codes, sorted


def _scene(row: CreditScene) -> Scene:
    policy = Policy(**{f.name: getattr(row, f.name) for f in fields(Policy)})
    return Scene(row.code, policy, sorted(m.organisation.code for m in row.merchants))


async def merchant_of(code: str | None) -> Organisation:
    """The merchant a member of staff works for (their session's organisation)."""
    found = await Organisation.get_or_none(code=code) if code else None
    if found is None:
        raise errors.no_merchant()
    return found


async def put(code: str, policy: Policy) -> Scene:
    """Create the scene or replace its policy (waivers already granted keep their terms)."""
    scene, _ = await CreditScene.update_or_create(code=code, defaults=asdict(policy))
    await scene.fetch_related("merchants__organisation")
    return _scene(scene)


async def list_scenes() -> list[Scene]:
    rows = await CreditScene.all().order_by("code").prefetch_related("merchants__organisation")
    return [_scene(row) for row in rows]


async def get(code: str) -> CreditScene:
    scene = await CreditScene.get_or_none(code=code)
    if scene is None:
        raise errors.scene_not_found()
    return scene


async def bind(code: str, organisation_code: str) -> None:
    """Let a merchant waive deposits in this scene (idempotent)."""
    scene = await get(code)
    organisation = await Organisation.get_or_none(code=organisation_code)
    if organisation is None:
        raise errors.organisation_not_found()
    async with in_transaction():
        await CreditSceneMerchant.get_or_create(scene=scene, organisation=organisation)


async def unbind(code: str, organisation_code: str) -> None:
    """Stop a merchant waiving in this scene; waivers it already granted carry on."""
    scene = await get(code)
    organisation = await Organisation.get_or_none(code=organisation_code)
    if organisation is not None:
        await CreditSceneMerchant.filter(scene=scene, organisation=organisation).delete()


async def of_merchant(merchant_code: str | None) -> list[CreditScene]:
    """The active scenes the staff's merchant may waive deposits in."""
    found = await merchant_of(merchant_code)
    return await CreditScene.filter(merchants__organisation=found, active=True).order_by("code")


async def bound_scene(merchant: Organisation, code: str) -> CreditScene:
    """The scene, if active and bound to this merchant; otherwise not found."""
    scene = await CreditScene.get_or_none(code=code, active=True, merchants__organisation=merchant)
    if scene is None:
        raise errors.scene_not_found()
    return scene
