"""The e-card picture: Chinese in a real CJK font, and a fallback that still renders."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from PIL import Image

from codes import qr
from codes.fields import Attributes, Purpose, Subject
from codes.issue import Issuer
from codes.online import issue_online
from codes.signing import Algorithm, generate
from models.talent.cards import TalentTier
from services.talent import image

CODE = issue_online(
    Issuer(7, generate(Algorithm.P256)), Purpose.TALENT, Subject.from_uuid(uuid.uuid4()),
    now=1_767_225_600, attributes=Attributes(tier=1), validity=120,
).code  # fmt: skip


def test_a_cjk_font_is_found() -> None:
    face = image.find_typeface()
    assert face.cjk
    assert face.path is not None
    font = face.at(40)
    # A CJK font draws different shapes for different characters; .notdef boxes do not.
    assert bytes(font.getmask("威")) != bytes(font.getmask("卡"))


@pytest.mark.parametrize("face", [None, image.FALLBACK], ids=["cjk", "fallback"])
@pytest.mark.parametrize("tier", list(TalentTier))
def test_the_card_renders_and_its_code_reads_back(
    face: image.Typeface | None, tier: TalentTier
) -> None:
    png = image.render_card(name="林*言", tier=tier, valid_until=date(2029, 6, 30), code=CODE,
                            face=face)  # fmt: skip
    picture = Image.open(io.BytesIO(png))
    assert (picture.format, picture.size) == ("PNG", (image.WIDTH, image.HEIGHT))
    assert qr.decode_image(png) == CODE
