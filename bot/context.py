"""What a handler receives: the message, the services' dependencies, who is writing, the chat."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.message import Message
from models.identity.residents import Resident
from services.bot import conversation
from services.bot.residents import resident_for_openid
from services.deps import Deps

Lang = Literal["zh", "en"]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> Lang:
    """English when the text has Latin letters and no Chinese characters; Chinese otherwise."""
    return "en" if _LATIN.search(text) and not _CJK.search(text) else "zh"


@dataclass(slots=True)
class Context:
    """One message being handled. ``resident`` and ``state`` are read once, when first asked."""

    message: Message
    deps: Deps
    now: datetime
    lang: Lang = "zh"
    # The push's body was signed (encrypted modes): sender and text are WeChat's. A plain push
    # may be anyone's words under anyone's openid, so nothing private goes back in its reply.
    proven: bool = True
    _resident: Resident | None = field(default=None, repr=False)
    _resident_loaded: bool = field(default=False, repr=False)
    _state: conversation.State | None = field(default=None, repr=False)
    _state_loaded: bool = field(default=False, repr=False)

    @property
    def openid(self) -> str:
        return self.message.source

    @property
    def text(self) -> str:
        return self.message.content

    @property
    def app_id(self) -> str:
        """The mini-program whose pages our answers open."""
        return str(self.deps.settings.wechat.app_id)

    def say(self, zh: str, en: str) -> str:
        """The sentence in the language the resident writes in."""
        return en if self.lang == "en" else zh

    async def resident(self) -> Resident | None:
        """The resident signed in to the mini-program with this openid, if any."""
        if not self._resident_loaded:
            self._resident = await resident_for_openid(self.openid)
            self._resident_loaded = True
        return self._resident

    async def state(self) -> conversation.State | None:
        """Where this chat stands in a multi-step exchange (filing a request, choosing)."""
        if not self._state_loaded:
            self._state = await conversation.load(self.deps.redis, self.openid)
            self._state_loaded = True
        return self._state

    async def set_state(self, name: str, data: dict[str, Any] | None = None) -> None:
        self._state = conversation.State(name, data or {})
        self._state_loaded = True
        await conversation.save(self.deps.redis, self.openid, self._state)

    async def clear_state(self) -> None:
        self._state, self._state_loaded = None, True
        await conversation.clear(self.deps.redis, self.openid)
