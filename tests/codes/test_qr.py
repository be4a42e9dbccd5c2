"""QR images: a ride code fits version 10 at level M, and survives a bad photograph."""

from __future__ import annotations

import io
import random

import pytest
import segno
from PIL import Image, ImageFilter

from codes import qr, text
from codes.device import Device
from codes.fields import Purpose, Subject
from codes.issue import Issuer, issue_code
from codes.keyring import Keyring
from codes.verify import verify_code


def _photograph(png: bytes, *, angle: float, blur: float, quality: int, seed: int) -> bytes:
    """Roughly what a validator's camera sees: tilted, out of focus, noisy, JPEG-compressed."""
    rng = random.Random(seed)
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    image = image.resize((int(image.width * 1.3), int(image.height * 0.9)))  # off-axis squash
    image = image.filter(ImageFilter.GaussianBlur(blur))
    noise = Image.effect_noise(image.size, 18)
    image = Image.blend(image, noise, 0.15)
    image = image.point(lambda v: 40 + v * 0.7 + rng.random())  # dim, low contrast
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_offline_ride_code_fits_version_10_at_level_m(phone: Device, now: int) -> None:
    encoded = text.encode(phone.make_code(now))
    symbol = segno.make_qr(encoded, error="m", version=10, mask=qr.MASK, boost_error=False)
    assert (symbol.version, symbol.error, symbol.mode) == (10, "M", "alphanumeric")
    with pytest.raises(segno.DataOverflowError):
        segno.make_qr(encoded + "0" * 20, error="m", version=10, boost_error=False)


def test_png_round_trip(issuer: Issuer, keyring: Keyring, subject: Subject, now: int) -> None:
    code = issue_code(issuer, Purpose.RIDE, subject, now=now)
    png = qr.render_png(code)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == ((57 + 8) * 5,) * 2  # version 10 is 57 modules, border 4, scale 5
    assert qr.decode_image(png) == code
    assert qr.decode_image(image) == code


@pytest.mark.parametrize(
    ("angle", "blur", "quality"),
    [(17, 1.2, 35), (-90, 0.8, 25), (183, 1.5, 50), (41, 1.0, 30)],
    ids=["tilted", "sideways", "upside-down", "diagonal"],
)
def test_badly_photographed_code_still_verifies(
    phone: Device, keyring: Keyring, now: int, angle: float, blur: float, quality: int
) -> None:
    code = phone.make_code(now)  # the densest code: offline, 309 characters
    photo = _photograph(
        qr.render_png(code, scale=4), angle=angle, blur=blur, quality=quality, seed=int(angle)
    )
    assert Image.open(io.BytesIO(photo)).format == "JPEG"
    decoded = qr.decode_image(photo)
    assert decoded == code
    assert verify_code(decoded, keyring, purpose=Purpose.RIDE, now=now).subject == phone_subject(
        phone
    )


def phone_subject(phone: Device) -> Subject:
    assert phone.certificate is not None
    return Subject(phone.certificate[5:22])


def test_no_code_in_the_picture() -> None:
    with pytest.raises(qr.QrError, match="no palm code"):
        qr.decode_image(Image.new("L", (200, 200), 255))
    other = io.BytesIO()
    segno.make_qr("https://www.weihai.gov.cn/").save(other, kind="png", scale=5)
    with pytest.raises(qr.QrError, match="no palm code"):
        qr.decode_image(other.getvalue())
    with pytest.raises(qr.QrError, match="not an image"):
        qr.decode_image(b"GIF89a not really")


def test_too_large_for_the_symbol() -> None:
    with pytest.raises(qr.QrError, match="does not fit"):
        qr.render_png(b"\xab" * 300)
