"""A tiny one-page PDF writer for the simulator's report files (no dependency).

Chinese text uses STSong-Light with the UniGB-UCS2-H encoding: one of the CJK fonts every
PDF reader must supply (PDF 1.7, 9.7.5.2), so nothing is embedded and a report stays ~2 KB.
"""

from __future__ import annotations

from collections.abc import Sequence

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points


def _text(value: str) -> str:
    """A PDF hex string in UCS-2 big-endian (characters outside the BMP become '?')."""
    return "<" + "".join(f"{ord(c) if ord(c) < 0x10000 else 0x3F:04X}" for c in value) + ">"


def _content(title: str, lines: Sequence[str]) -> bytes:
    ops = ["BT", "/F1 18 Tf", f"50 {_PAGE_HEIGHT - 70} Td", f"{_text(title)} Tj", "/F1 11 Tf"]
    for index, line in enumerate(lines):
        ops += ["0 -28 Td" if index == 0 else "0 -18 Td", f"{_text(line)} Tj"]
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def report_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A valid PDF 1.7 file: ``title`` on top, then one line of text per entry of ``lines``."""
    content = _content(title, lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>" % (_PAGE_WIDTH, _PAGE_HEIGHT),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
