"""QR images of codes: PNG rendering at a fixed version and mask, and decoding photographs.

Fixing the mask skips segno's evaluation of all eight, the slow part of making a symbol;
fixing the version keeps the picture the same size as codes refresh. Error correction is
level M at least; segno raises it where the data leaves room in version 10.
"""

from __future__ import annotations

import io
from typing import Final

import segno
import zxingcpp
from PIL import Image

from codes import text

VERSION: Final = 10
ERROR: Final = "m"
MASK: Final = 0
_DARK_TO_BLACK: Final = bytes.maketrans(b"\x00\x01", b"\xff\x00")
_QR_ONLY: Final = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


class QrError(ValueError):
    """A code that does not fit the symbol, or an image holding no readable code."""


def render_png(code: bytes, *, scale: int = 5, border: int = 4, version: int = VERSION) -> bytes:
    """A black-on-white PNG of ``code`` (as base45 text, QR alphanumeric mode)."""
    try:
        qr = segno.make_qr(text.encode(code), error=ERROR, version=version, mask=MASK)
    except segno.DataOverflowError as exc:
        raise QrError(f"code of {len(code)} bytes does not fit QR version {version}") from exc
    # segno's own PNG writer is pure Python; building the image in Pillow is five times faster.
    width = len(qr.matrix) + 2 * border
    pad, blank = bytes(border), bytes(width * border)
    modules = blank + b"".join(pad + bytes(row) + pad for row in qr.matrix) + blank
    image = Image.frombytes("L", (width, width), modules.translate(_DARK_TO_BLACK))
    image = image.convert("1", dither=Image.Dither.NONE)
    image = image.resize((width * scale, width * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def decode_image(image: bytes | Image.Image) -> bytes:
    """The code in a photograph or screenshot (PNG, JPEG, …), however rotated or blurred."""
    if isinstance(image, bytes):
        try:
            image = Image.open(io.BytesIO(image))
            image.load()
        except (OSError, Image.DecompressionBombError) as exc:
            raise QrError(f"not an image: {exc}") from None
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    for barcode in zxingcpp.read_barcodes(image, formats=_QR_ONLY):
        try:
            return text.decode(barcode.text)
        except ValueError:
            continue  # some other QR code in the picture
    raise QrError("no palm code found in the image")
