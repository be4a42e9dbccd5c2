"""Evidence images for an application to be reviewed: upload (capped, rate-limited), delete."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web
from pydantic import Field

from palm import keys
from palm.api import Api, ApiModel, path_uuid
from services.talent import errors, evidence

api = Api("talent")


class TalentEvidenceIn(ApiModel):
    data: str = Field(min_length=8, max_length=1_400_000, description="Base64 JPEG or PNG")


class TalentEvidenceOut(ApiModel):
    id: str = Field(description="Attach it with evidence=[id] when applying (within a day)")
    content_type: str
    size: int
    width: int
    height: int


@api.post("/api/v1/talent/evidence", body=TalentEvidenceIn, response=TalentEvidenceOut,
          status=201, rate="evidence", errors=(400, 409, 429))  # fmt: skip
async def upload_evidence(request: web.Request, body: TalentEvidenceIn) -> TalentEvidenceOut:
    """Upload an evidence image (JPEG or PNG, base64) for an application to be reviewed.

    At most ten uploads wait unattached at a time (409 ``talent_evidence_too_many``); delete
    one, apply with them, or wait a day for them to lapse.
    """
    raw = body.data.split(",", 1)[1] if body.data.startswith("data:") else body.data
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise errors.evidence_encoding() from None
    row = await evidence.store(
        request[keys.PRINCIPAL].resident_id, data, cipher=request.app[keys.DEPS].cipher,
        data_dir=request.app[keys.SETTINGS].data_dir,
    )  # fmt: skip
    return TalentEvidenceOut(id=str(row.id), content_type=row.content_type, size=row.size,
                       width=row.width, height=row.height)  # fmt: skip


@api.delete("/api/v1/talent/evidence/{id}", status=204, errors=(404,))
async def delete_evidence(request: web.Request) -> None:
    """Delete an upload no application took yet (it frees one of the ten places)."""
    await evidence.discard(
        request[keys.PRINCIPAL].resident_id, path_uuid(request), request.app[keys.SETTINGS].data_dir
    )
