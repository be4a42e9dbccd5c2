"""An incoming WeChat message or event, read from its XML with wechatpy's parser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message


class MalformedMessage(Exception):
    """The body is not a WeChat message (not XML, or fields missing or of the wrong kind)."""


@dataclass(frozen=True, slots=True)
class Message:
    """What handlers read: who sent what. ``type`` is WeChat's MsgType, lower case."""

    type: str
    source: str  # FromUserName: the sender's openid
    target: str  # ToUserName: our account
    create_time: int
    msg_id: int | None = None
    content: str = ""  # a text message, or what WeChat recognised in a voice message
    event: str = ""  # subscribe, subscribe_scan, scan, click, view, location, ...
    event_key: str = ""
    media_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""

    @property
    def dedupe_key(self) -> str:
        """The same for every retry of one push: MsgId, or sender and time for events."""
        if self.msg_id:
            return f"{self.target}:{self.msg_id}"
        return f"{self.target}:{self.source}:{self.create_time}:{self.event}:{self.event_key}"


def outer_fields(xml: bytes) -> dict[str, Any]:
    """The top-level fields of a pushed ``<xml>`` document (safe mode has only Encrypt)."""
    try:
        doc = xmltodict.parse(xml, disable_entities=True)
    except (ExpatError, ValueError, TypeError):
        raise MalformedMessage("not XML") from None
    fields = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(fields, dict):
        raise MalformedMessage("no <xml> root with fields")
    return fields


def parse(xml: str | bytes) -> Message:
    """Read a decrypted (or plain) message; ``MalformedMessage`` when it is not one."""
    try:
        parsed = parse_message(xml)
        fields: dict[str, Any] = parsed._data if parsed is not None else {}
    except (ExpatError, KeyError, TypeError, ValueError, AttributeError):
        raise MalformedMessage("not a WeChat message") from None
    if not all(isinstance(fields.get(k), str) for k in ("MsgType", "FromUserName", "ToUserName")):
        raise MalformedMessage("MsgType, FromUserName and ToUserName are required")
    kind = str(fields["MsgType"]).lower()
    try:
        message = Message(
            type=kind,
            source=str(parsed.source),
            target=str(parsed.target),
            create_time=int(fields["CreateTime"]),
            msg_id=int(fields["MsgId"]) if "MsgId" in fields else None,
            content=str(getattr(parsed, "content", None) or _voice_text(parsed)).strip(),
            event=str(getattr(parsed, "event", "") or "") if kind == "event" else "",
            event_key=_event_key(parsed),
            media_id=str(getattr(parsed, "media_id", "") or ""),
            latitude=_float(fields.get("Location_X") or fields.get("Latitude")),
            longitude=_float(fields.get("Location_Y") or fields.get("Longitude")),
            label=str(fields.get("Label") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise MalformedMessage("a field has the wrong form") from None
    if not message.source or len(message.source) > 64:
        raise MalformedMessage("FromUserName is not an openid")
    return message


def _voice_text(parsed: Any) -> str:
    return str(getattr(parsed, "recognition", None) or "")


def _event_key(parsed: Any) -> str:
    for name in ("key", "scene_id", "url"):
        value = getattr(parsed, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, str) and value else None
