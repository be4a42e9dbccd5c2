"""Which language to answer a request in: the resident's choice, else Accept-Language.

The profile's preference (``PATCH /api/v1/me {"language"}``) travels with the session, so
choosing costs nothing per request; a caller with no session, or one who has not chosen, is
answered in the first of Chinese or English their Accept-Language prefers, Chinese otherwise.
"""

from __future__ import annotations

from aiohttp import web

from models.identity.residents import Language
from palm import keys


def negotiate(accept_language: str) -> Language | None:
    """The preferred of zh and en in an Accept-Language header (RFC 9110 q-values), if any."""
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate(accept_language.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in ("zh", "en"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0 or not quality <= 1:
            continue
        candidate = (-quality, position, Language(primary))
        best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def of_request(request: web.Request) -> Language:
    """The language to answer ``request`` in."""
    principal = request.get(keys.PRINCIPAL)
    if principal is not None and principal.language:
        return Language(principal.language)
    return negotiate(request.headers.get("Accept-Language", "")) or Language.ZH
