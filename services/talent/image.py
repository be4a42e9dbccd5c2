"""The e-card as a picture: tier colours, the masked name, validity and the live QR code.

Chinese needs a CJK font: the Noto Sans SC shipped by the ``pylopdf-fonts-zh-cn`` package
first, then the usual system fonts. Without any, the card is drawn in English with Pillow's
own font, so it still renders (and the QR, which is what the gate reads, is the same).
"""

from __future__ import annotations

import functools
import importlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from codes import qr
from models.talent.cards import TalentTier

WIDTH, HEIGHT = 1012, 638  # ID-1 card proportions (85.6 × 54 mm) at 300 dpi
_SYSTEM_FONTS: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
# tier → (gradient start, gradient end, ink, Chinese name, English name)
_LOOK: Final = {
    TalentTier.GOLD: ((176, 132, 44), (243, 220, 150), (58, 38, 4), "金卡", "GOLD"),
    TalentTier.SILVER: ((132, 141, 153), (229, 233, 238), (30, 38, 50), "银卡", "SILVER"),
    TalentTier.STANDARD: ((34, 92, 168), (118, 170, 228), (255, 255, 255), "标准卡", "STANDARD"),
}
_FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True, slots=True)
class Typeface:
    """A font file (None: Pillow's built-in font) and whether it has Chinese glyphs."""

    path: Path | None
    cjk: bool

    def at(self, size: int) -> _FontType:
        return _load(self.path, size)


@functools.lru_cache(maxsize=32)
def _load(path: Path | None, size: int) -> _FontType:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


@functools.lru_cache(maxsize=1)
def find_typeface() -> Typeface:
    """The first CJK font found: the packaged one, then the system's; else the fallback."""
    try:
        packaged = Path(importlib.import_module("pylopdf_fonts_zh_cn").sans_path())
    except (ImportError, AttributeError):
        packaged = None
    candidates = [packaged] if packaged else []
    candidates += [Path(p) for p in _SYSTEM_FONTS]
    for path in candidates:
        if path.is_file():
            return Typeface(path, cjk=True)
    return FALLBACK


FALLBACK: Final = Typeface(None, cjk=False)


def _gradient(start: tuple[int, int, int], end: tuple[int, int, int]) -> Image.Image:
    """A left-to-right blend: one row made, then stretched (fast at any size)."""
    row = Image.new("RGB", (WIDTH, 1))
    for x in range(WIDTH):
        t = x / (WIDTH - 1)
        row.putpixel((x, 0), tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True)))
    return row.resize((WIDTH, HEIGHT))


def render_card(
    *, name: str, tier: TalentTier, valid_until: date, code: bytes, face: Typeface | None = None
) -> bytes:
    """A PNG of the e-card; ``name`` must already be masked."""
    face = face or find_typeface()
    start, end, ink, tier_zh, tier_en = _LOOK[tier]
    card = _gradient(start, end)
    draw = ImageDraw.Draw(card)

    def text(xy: tuple[int, int], zh: str, en: str, size: int) -> None:
        draw.text(xy, zh if face.cjk else en, font=face.at(size), fill=ink)

    text((56, 48), "威海英才卡", "WEIHAI TALENT CARD", 60)
    text((58, 128), "WEIHAI TALENT CARD", "e-card", 24)
    text((56, 200), f"{tier_zh}  {tier_en}", tier_en, 40)
    text((58, 300), "持卡人 Holder", "Holder", 22)
    shown = name if face.cjk or name.isascii() else "*" * len(name)
    draw.text((56, 332), shown, font=face.at(48), fill=ink)
    text((58, 430), "有效期至 Valid until", "Valid until", 22)
    draw.text((56, 462), valid_until.isoformat(), font=face.at(40), fill=ink)
    text((58, 560), "掌上办理 · 扫码即享", "Apply in the palm, scan to enjoy", 22)

    symbol = Image.open(io.BytesIO(qr.render_png(code, scale=5, border=4))).convert("RGB")
    side = symbol.width + 40
    left, top = WIDTH - side - 48, (HEIGHT - side) // 2 - 16
    draw.rounded_rectangle((left, top, left + side, top + side), radius=24, fill="white")
    card.paste(symbol, (left + 20, top + 20))
    text((left + 24, top + side + 12), "动态码 约2分钟有效", "Live code, about 2 min", 20)
    out = io.BytesIO()
    card.save(out, "PNG", optimize=False)
    return out.getvalue()
