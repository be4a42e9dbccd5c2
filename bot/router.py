"""An aiogram-like router: filters pick the handler, the first match wins, then a fallback.

A filter is a callable taking the ``Context`` and returning (or awaiting) ``bool`` or a ``dict``;
a dict means "matched" and its items become the handler's keyword arguments. Routers nest with
``include``; an exception raised by a handler goes to the nearest error handler for its type.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.context import Context
from bot.replies import Reply

FilterResult = bool | dict[str, Any]
Filter = Callable[[Context], FilterResult | Awaitable[FilterResult]]
Handler = Callable[..., Awaitable[Reply | None]]
ErrorHandler = Callable[[Context, Exception], Awaitable[Reply | None]]


@dataclass(frozen=True, slots=True)
class _Route:
    filters: tuple[Filter, ...]
    handler: Handler


class NoRoute(LookupError):
    """No handler matched and no router has a fallback."""


class Router:
    """Handlers in the order they were added, child routers after them, one fallback."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: list[_Route] = []
        self._children: list[Router] = []
        self._fallback: Handler | None = None
        self._errors: list[tuple[type[Exception], ErrorHandler]] = []

    def on(self, *filters: Filter) -> Callable[[Handler], Handler]:
        """Register a handler that runs when every filter matches."""

        def decorator(handler: Handler) -> Handler:
            self._routes.append(_Route(filters, handler))
            return handler

        return decorator

    def fallback(self, handler: Handler) -> Handler:
        """The handler for a message no route matched."""
        self._fallback = handler
        return handler

    def error(self, kind: type[Exception]) -> Callable[[ErrorHandler], ErrorHandler]:
        """Register an error handler for exceptions of ``kind`` raised below this router."""

        def decorator(handler: ErrorHandler) -> ErrorHandler:
            self._errors.append((kind, handler))
            return handler

        return decorator

    def include(self, *routers: Router) -> Router:
        self._children.extend(routers)
        return self

    async def dispatch(self, ctx: Context) -> Reply | None:
        """Run the first matching handler (or the fallback); errors go to error handlers."""
        try:
            found = await self._find(ctx)
            if found is None:
                if self._fallback is None:
                    raise NoRoute(ctx.message.type)
                found = (self._fallback, {})
            handler, kwargs = found
            return await handler(ctx, **kwargs)
        except Exception as exc:
            handled = await self._handle_error(ctx, exc)
            if handled is _UNHANDLED:
                raise
            return handled  # type: ignore[return-value]

    async def _find(self, ctx: Context) -> tuple[Handler, dict[str, Any]] | None:
        for route in self._routes:
            kwargs = await _match(route.filters, ctx)
            if kwargs is not None:
                return route.handler, kwargs
        for child in self._children:
            found = await child._find(ctx)
            if found is not None:
                return found
        return None

    async def _handle_error(self, ctx: Context, exc: Exception) -> Reply | object | None:
        # The most specific registered type wins, wherever it was registered in the tree.
        candidates = [(kind, h) for kind, h in self._all_errors() if isinstance(exc, kind)]
        if not candidates:
            return _UNHANDLED
        _, handler = min(candidates, key=lambda item: type(exc).__mro__.index(item[0]))
        return await handler(ctx, exc)

    def _all_errors(self) -> list[tuple[type[Exception], ErrorHandler]]:
        found = list(self._errors)
        for child in self._children:
            found.extend(child._all_errors())
        return found


_UNHANDLED = object()


async def _match(filters: tuple[Filter, ...], ctx: Context) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {}
    for check in filters:
        result = check(ctx)
        if inspect.isawaitable(result):
            result = await result
        if not result:
            return None
        if isinstance(result, dict):
            kwargs.update(result)
    return kwargs
