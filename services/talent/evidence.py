"""Evidence images: checked by content (JPEG or PNG only), cleaned, encrypted at rest.

An image is read by its bytes, never by what the client says it is; its pixel count is checked
before any decoding (a small file can unpack to gigabytes); it is re-encoded, which drops EXIF
(a phone photo's GPS position) and anything appended to the file. The file in the data
directory is encrypted with the field cipher, bound to its row's id.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from PIL import Image, ImageOps
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.identity.residents import Resident
from models.talent.applications import TalentApplication, TalentEvidence
from services.deps import Deps
from services.privacy import FieldCipher
from services.talent import errors

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_PIXELS: Final = 24_000_000  # 6000 × 4000: any phone photo WeChat hands over fits
MAX_PER_APPLICATION: Final = 6
MAX_UNATTACHED: Final = 10  # uploads waiting for an application, per resident
UNATTACHED_HOURS: Final = 24
_MAGIC: Final = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
CONTENT_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def clean(data: bytes) -> CleanImage:
    """Check an upload and re-encode it without metadata; refuses anything else."""
    if len(data) > MAX_BYTES:
        raise errors.evidence_too_large()
    kind = next((k for magic, k in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise errors.evidence_type()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=[kind])
            pixels = image.width * image.height
            if pixels <= MAX_PIXELS:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep it upright once EXIF is gone
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        pixels = MAX_PIXELS + 1
    except (OSError, ValueError, SyntaxError):
        raise errors.evidence_unreadable() from None
    if pixels > MAX_PIXELS:
        raise errors.evidence_too_large(pixels=True)
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90)
    else:
        image.save(out, "PNG", optimize=False)
    return CleanImage(out.getvalue(), CONTENT_TYPES[kind], image.width, image.height)


def _file(data_dir: Path, resident_id: uuid.UUID, evidence_id: uuid.UUID) -> Path:
    return data_dir / "evidence" / resident_id.hex / f"{evidence_id.hex}.enc"


def _aad(evidence_id: uuid.UUID) -> str:
    return f"talent_evidence:{evidence_id}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(".part")
    partial.touch(mode=0o600)
    partial.write_text(text)
    partial.replace(path)  # atomic: a reader never sees half a file


def _waiting(resident_id: uuid.UUID, now: datetime) -> QuerySet[TalentEvidence]:
    """The resident's uploads no application took yet (older ones are purged)."""
    fresh = now - timedelta(hours=UNATTACHED_HOURS)
    return TalentEvidence.filter(
        resident_id=resident_id, application_id__isnull=True, created_at__gte=fresh
    )


async def store(
    resident_id: uuid.UUID, data: bytes, *, cipher: FieldCipher, data_dir: Path
) -> TalentEvidence:
    """Keep one uploaded image for the resident's next application.

    Cleaning costs ~0.8 s of CPU, so the cap is checked first; it is checked again, with the
    insert, under a lock on the resident's row, so concurrent uploads queue there and cannot
    slip past it together (ordering rows by creation time could not: a row stamped earlier
    may commit later).
    """
    now = datetime.now(UTC)
    if await _waiting(resident_id, now).count() >= MAX_UNATTACHED:
        raise errors.evidence_too_many(MAX_UNATTACHED)
    image = await asyncio.to_thread(clean, data)
    evidence_id = uuid.uuid4()
    path = _file(data_dir, resident_id, evidence_id)
    sealed = cipher.encrypt(base64.b64encode(image.data).decode(), field=_aad(evidence_id))
    await asyncio.to_thread(_write, path, sealed)
    try:
        async with in_transaction():
            await Resident.filter(id=resident_id).select_for_update().first()
            if await _waiting(resident_id, now).count() >= MAX_UNATTACHED:
                raise errors.evidence_too_many(MAX_UNATTACHED)
            return await _create(resident_id, evidence_id, image, path, data_dir)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise


async def _create(
    resident_id: uuid.UUID, evidence_id: uuid.UUID, image: CleanImage, path: Path, data_dir: Path
) -> TalentEvidence:  # fmt: skip
    return await TalentEvidence.create(
        id=evidence_id,
        resident_id=resident_id,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(image.data).hexdigest(),
        path=str(path.relative_to(data_dir)),
    )


async def discard(resident_id: uuid.UUID, evidence_id: uuid.UUID, data_dir: Path) -> None:
    """Delete one of the resident's uploads that no application took (frees a place)."""
    row = await TalentEvidence.get_or_none(id=evidence_id, resident_id=resident_id)
    # One conditional delete: an application attaching it at the same moment wins or loses
    # whole, never left pointing at a deleted image.
    if (
        row is None
        or not await TalentEvidence.filter(id=evidence_id, application_id__isnull=True).delete()
    ):
        raise errors.evidence_not_found()
    await asyncio.to_thread((data_dir / row.path).unlink, missing_ok=True)


async def read(evidence: TalentEvidence, *, cipher: FieldCipher, data_dir: Path) -> bytes:
    """The image bytes, decrypted (for the operator who reviews the application)."""
    try:
        sealed = await asyncio.to_thread((data_dir / evidence.path).read_text)
    except FileNotFoundError:  # the data directory lost it (restored from another backup)
        raise errors.evidence_not_found() from None
    return base64.b64decode(cipher.decrypt(sealed, field=_aad(evidence.id)))


async def attach(
    resident_id: uuid.UUID, ids: list[uuid.UUID], application: TalentApplication
) -> None:
    """Attach the resident's unused uploads to an application (inside its transaction)."""
    unique = set(ids)
    attached = await TalentEvidence.filter(
        id__in=unique, resident_id=resident_id, application_id__isnull=True
    ).update(application_id=application.id)
    if attached != len(unique):
        raise errors.evidence_not_found(attached=True)


async def purge_unattached(data_dir: Path, now: datetime) -> int:
    """Delete uploads no application took within a day (the file first, then the row)."""
    stale = await TalentEvidence.filter(
        application_id__isnull=True, created_at__lt=now - timedelta(hours=UNATTACHED_HOURS)
    )
    for row in stale:
        (data_dir / row.path).unlink(missing_ok=True)
        await row.delete()
    return len(stale)


async def purge_job(deps: Deps) -> None:
    """Cron: drop evidence uploaded but never attached to an application."""
    await purge_unattached(deps.settings.data_dir, datetime.now(UTC))
