"""The values a code carries besides times: purpose, subject, and purpose-specific attributes."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final


class Purpose(IntEnum):
    RIDE = 1
    TALENT = 2
    CREDIT = 3
    CONSENT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


PURPOSES: Final = frozenset(int(p) for p in Purpose)


class SubjectKind(IntEnum):
    UUID = 1
    NUMBER = 2


SUBJECT_SIZE: Final[dict[int, int]] = {SubjectKind.UUID: 16, SubjectKind.NUMBER: 8}


@dataclass(frozen=True, slots=True)
class Subject:
    """An opaque card or account id as carried in codes: a kind byte, then 16 or 8 bytes."""

    encoded: bytes

    @classmethod
    def from_uuid(cls, value: uuid.UUID) -> Subject:
        return cls(bytes((SubjectKind.UUID,)) + value.bytes)

    @classmethod
    def from_number(cls, value: int) -> Subject:
        if not 0 <= value < 1 << 64:
            raise ValueError("numeric subjects are unsigned 64-bit")
        return cls(bytes((SubjectKind.NUMBER,)) + value.to_bytes(8, "big"))

    @classmethod
    def parse(cls, text: str) -> Subject:
        """From the text form: a UUID, or a decimal number. Never a personal number."""
        if text.isascii() and text.isdigit():
            return cls.from_number(int(text))
        return cls.from_uuid(uuid.UUID(text))

    @property
    def text(self) -> str:
        if self.encoded[0] == SubjectKind.UUID:
            return str(uuid.UUID(bytes=self.encoded[1:]))
        return str(int.from_bytes(self.encoded[1:], "big"))

    def __str__(self) -> str:
        return self.text


class Tier(IntEnum):
    GOLD = 1
    SILVER = 2
    STANDARD = 3


class Group(IntEnum):
    """Special-group bus fares (Weihai): half fare 60–64, free 65+, 优抚, students, disability."""

    SENIOR_HALF = 1
    SENIOR_FREE = 2
    PREFERENTIAL_CARE = 3
    STUDENT = 4
    DISABILITY = 5


class Tag(IntEnum):
    TIER = 1
    GROUP = 2
    SCENE = 3


_TAG_SIZE: Final[dict[int, int]] = {Tag.TIER: 1, Tag.GROUP: 1, Tag.SCENE: 4}
MAX_ATTRIBUTES: Final = 32


@dataclass(frozen=True, slots=True)
class Attributes:
    """Purpose-specific attributes: talent tier, special-group type, scene (venue) id."""

    tier: int | None = None
    group: int | None = None
    scene: int | None = None
    block: bytes = field(init=False, repr=False, compare=False)
    """The encoded attribute block, made once: it goes into every code signed for them."""

    def __post_init__(self) -> None:
        out = bytearray()
        for tag, value in ((Tag.TIER, self.tier), (Tag.GROUP, self.group), (Tag.SCENE, self.scene)):
            if value is not None:
                size = _TAG_SIZE[tag]
                out += bytes((tag, size)) + value.to_bytes(size, "big")
        if len(out) > MAX_ATTRIBUTES:
            raise ValueError("too many attributes")
        object.__setattr__(self, "block", bytes((len(out),)) + out)


@functools.lru_cache(maxsize=1024)
def decode_attributes(entries: bytes) -> Attributes:
    """Attributes from a block's entries (after its length byte); unknown tags are skipped.

    Cached: codes carry few distinct attribute sets, and this runs on every verification.
    """
    values: dict[int, int] = {}
    pos = 0
    while pos < len(entries):
        if pos + 2 > len(entries):
            raise ValueError("truncated attribute")
        tag, size = entries[pos], entries[pos + 1]
        value, pos = entries[pos + 2 : pos + 2 + size], pos + 2 + size
        if len(value) != size or tag in values or _TAG_SIZE.get(tag, size) != size:
            raise ValueError("bad attribute entry")
        values[tag] = int.from_bytes(value, "big")
    return Attributes(values.get(Tag.TIER), values.get(Tag.GROUP), values.get(Tag.SCENE))
