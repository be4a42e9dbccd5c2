"""The credit office: scene policies, which merchants waive where, and deciding disputes."""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import Field

from palm.api import Api, ApiModel
from services import errors as shared
from services.credit import scenes
from services.credit.scenes import Rating, SceneKind

api = Api("admin")
CREDIT = {"operator:credit"}
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_POLICY = {"deposit": "deposit_fen", "resident_limit": "resident_limit_fen"}  # body → policy
BINDING = "/api/v1/admin/credit/scenes/{code}/merchants/{organisation}"


class SceneIn(ApiModel):
    kind: SceneKind
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=100)
    deposit: int = Field(gt=0, le=10_000_000, description="fen: the most a waiver covers")
    min_rating: Rating = Field(description="The lowest rating band that may be waived")
    resident_limit: int = Field(ge=0, le=100_000_000, description="fen: per resident, here")
    max_days: int = Field(ge=1, le=3650, description="A waiver is due back after this")
    debtor_blocks: bool = Field(default=True, description="The dishonest-debtor list refuses")
    dispute_window_days: int = Field(default=7, ge=1, le=60)
    bill_free_days: int = Field(default=10, ge=0, le=90, description="Care bills only")
    active: bool = True

    def policy(self) -> scenes.Policy:
        return scenes.Policy(**{_POLICY.get(k, k): v for k, v in self.model_dump().items()})


class SceneOut(SceneIn):
    code: str
    merchants: list[str] = Field(description="Organisation codes bound to the scene")


class SceneList(ApiModel):
    items: list[SceneOut]


def _code(request: web.Request, name: str) -> str:
    code = request.match_info[name]
    if not _CODE.fullmatch(code):
        raise shared.not_found()
    return code


def _scene_out(scene: scenes.Scene) -> SceneOut:
    policy = {k: getattr(scene.policy, _POLICY.get(k, k)) for k in SceneIn.model_fields}
    return SceneOut(code=scene.code, merchants=scene.merchants, **policy)


def _binding(request: web.Request) -> tuple[str, str]:
    """(scene code, organisation code) from the path."""
    return _code(request, "code"), _code(request, "organisation")


@api.get("/api/v1/admin/credit/scenes", response=SceneList, roles=CREDIT)
async def list_credit_scenes(request: web.Request) -> SceneList:
    """Every deposit-waiver scene with its policy and merchants."""
    return SceneList(items=[_scene_out(s) for s in await scenes.list_scenes()])


@api.put("/api/v1/admin/credit/scenes/{code}", body=SceneIn, response=SceneOut, roles=CREDIT)
async def put_credit_scene(request: web.Request, body: SceneIn) -> SceneOut:
    """Create a scene or change its policy; waivers already granted keep their terms."""
    return _scene_out(await scenes.put(_code(request, "code"), body.policy()))


@api.put(BINDING, status=204, roles=CREDIT, errors=(404,))
async def bind_credit_merchant(request: web.Request) -> None:
    """Let a merchant waive deposits in this scene."""
    await scenes.bind(*_binding(request))


@api.delete(BINDING, status=204, roles=CREDIT, errors=(404,))
async def unbind_credit_merchant(request: web.Request) -> None:
    """Stop a merchant waiving in this scene; its waivers already granted carry on."""
    await scenes.unbind(*_binding(request))
