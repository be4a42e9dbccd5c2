"""The app's public base URL: where outside platforms call us back.

WeChat Pay's ``notify_url`` and the 12345 platform's pushes need an address the platform can
reach. ``PALM_PUBLIC_URL`` names it in production (an https address behind the load
balancer). Without it, it is where this process listens: HOST and PORT, or, once the first
request has arrived, the address that request came in on (a free port in tests, ``--port``).
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from palm.settings import Settings

_ANY = {"", "0.0.0.0", "::"}  # noqa: S104 (names of "every interface", not a bind)


def origin(host: str, port: int) -> str:
    """``http://host:port`` for a bound address; "every interface" becomes loopback."""
    if host in _ANY:
        host = "::1" if host == "::" else "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:  # a name such as localhost
        pass
    return f"http://{host}:{port}"


class PublicUrl:
    """Callable: the base URL (no trailing slash) platforms should use to reach this app."""

    def __init__(self, settings: Settings) -> None:
        self._fixed = settings.public_url
        self._configured = origin(settings.host, settings.port)
        self._bound: str | None = None

    def __call__(self) -> str:
        return self._fixed or self._bound or self._configured

    @property
    def known(self) -> bool:
        """True once nothing is left to learn (set explicitly, or the bound port seen)."""
        return self._fixed is not None or self._bound is not None

    def learn(self, request: web.Request) -> None:
        """Remember the address ``request`` arrived on: the port actually bound."""
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport is not None else None
        if isinstance(sockname, tuple) and len(sockname) >= 2:
            self._bound = origin(str(sockname[0]), int(sockname[1]))
