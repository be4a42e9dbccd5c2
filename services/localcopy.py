"""What each process keeps of values whose truth is elsewhere, and the one channel that tells
every process when to let go of them.

The hottest reads (a session, a resident's masked profile, what a ride code needs about the
rider) would otherwise cost a round trip to Redis or the database on every request. Each
process keeps them in a ``LocalCopy``; every change to their truth is announced on one Redis
channel (``CHANNEL``, ``Changes.announce``) after it is committed, and every process listening
(``Changes.listen``) drops what it kept, as Redis's own client-side caching does with its
invalidation messages. So a logout, a role withdrawn or a payment clearing arrears takes effect
on every process as soon as the message arrives.

Nothing kept is trusted unless this process is subscribed: when the subscription breaks, every
copy is emptied and reads go to the truth until the process has subscribed again (anything may
have changed meanwhile). A value is also read again after ``fresh_seconds``, which bounds what
a change announced nowhere (a bug) could leave behind. A value read while a change was heard is
not kept: the change may be one that read missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger("palm.localcopy")

if TYPE_CHECKING:
    from services.deps import Deps

CHANNEL = "palm:changed"
V = TypeVar("V")


class LocalCopy(Generic[V]):
    """Values by key, each with an owner (a resident, an account) whose change drops it; at most
    ``size`` of them, the least recently used going first."""

    def __init__(self, size: int, fresh_seconds: float) -> None:
        self.size = size
        self.fresh_seconds = fresh_seconds
        self.live = False  # set by Changes while subscribed
        self.hits = 0
        self._epoch = 0
        self._values: OrderedDict[str, tuple[V, str, float]] = OrderedDict()  # value, owner, until
        self._of_owner: dict[str, set[str]] = {}

    def get(self, key: str) -> V | None:
        if not self.live:
            return None
        found = self._values.get(key)
        if found is None or time.monotonic() >= found[2]:
            return None
        self._values.move_to_end(key)
        self.hits += 1
        return found[0]

    def begin(self) -> int:
        """Call before reading the truth; pass the result to ``keep``."""
        return self._epoch

    def keep(
        self, key: str, value: V, owner: str, epoch: int, *, fresh_seconds: float | None = None
    ) -> None:
        """Keep ``value`` (read at ``epoch``) for ``fresh_seconds`` at most (the copy's own
        bound when None or longer)."""
        if not self.live or epoch != self._epoch:
            return
        fresh = (
            self.fresh_seconds if fresh_seconds is None else min(fresh_seconds, self.fresh_seconds)
        )
        self._values[key] = (value, owner, time.monotonic() + fresh)
        self._values.move_to_end(key)
        self._of_owner.setdefault(owner, set()).add(key)
        if len(self._values) > self.size:
            oldest, (_, first_owner, _) = self._values.popitem(last=False)
            self._unindex(first_owner, oldest)

    def forget(self, key: str) -> None:
        self._epoch += 1
        found = self._values.pop(key, None)
        if found is not None:
            self._unindex(found[1], key)

    def forget_owner(self, owner: str) -> None:
        self._epoch += 1
        for key in self._of_owner.pop(owner, ()):
            self._values.pop(key, None)

    def drop(self) -> None:
        self._epoch += 1
        self._values.clear()
        self._of_owner.clear()

    def __len__(self) -> int:
        return len(self._values)

    def _unindex(self, owner: str, key: str) -> None:
        keys = self._of_owner.get(owner)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._of_owner[owner]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Changes:
    """This process's subscription to ``CHANNEL`` and the copies it keeps in step.

    A message is ``<topic> <value>``; ``on(topic, forget)`` says what to drop for it.
    """

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.heard = 0
        self._live = False
        self._copies: dict[str, LocalCopy[Any]] = {}
        self._handlers: dict[str, list[Callable[[str], None]]] = {}

    @property
    def live(self) -> bool:
        return self._live

    def copy(
        self, name: str, *, size: int = 20_000, fresh_seconds: float = 30.0, topic: str = ""
    ) -> LocalCopy[Any]:
        """The copy called ``name``, made on first use; with ``topic``, a message on it drops
        what the copy keeps for that owner."""
        found = self._copies.get(name)
        if found is None:
            found = self._copies[name] = LocalCopy(size, fresh_seconds)
            found.live = self._live
            if topic:
                self.on(topic, found.forget_owner)
        return found

    def on(self, topic: str, forget: Callable[[str], None]) -> None:
        self._handlers.setdefault(topic, []).append(forget)

    async def announce(self, *changes: tuple[str, str]) -> None:
        """Tell every process (this one at once) that these (topic, value) changed; call after
        the change is committed."""
        # One PUBLISH each: a Redis Cluster client refuses PUBLISH in a pipeline (the message
        # is sent to one node, which passes it to every other).
        for topic, value in changes:
            await self.redis.publish(CHANNEL, f"{topic} {value}")
        for topic, value in changes:  # the message reaches us too, a moment later
            self._apply(topic, value)

    def forget_here(self, topic: str, value: str) -> None:
        """Drop what this process keeps for (topic, value), as the message will."""
        self._apply(topic, value)

    def _apply(self, topic: str, value: str) -> None:
        # A topic with no handler is a copy this process does not keep (not made yet, or one a
        # newer version keeps): nothing here to drop.
        for forget in self._handlers.get(topic, ()):
            forget(value)

    def _drop_all(self) -> None:
        for copy in self._copies.values():
            copy.drop()

    def _set_live(self, live: bool) -> None:
        self._drop_all()  # either way: what was kept may have missed a change
        self._live = live
        for copy in self._copies.values():
            copy.live = live

    async def listen(self) -> None:
        """Follow ``CHANNEL`` until cancelled, subscribing again after any break (a task)."""
        delay = 0.1
        while True:
            pubsub = self.redis.pubsub()
            connection: Any = None
            retry = None
            try:
                # A cluster client learns its slots on its first command; a SUBSCRIBE cannot be
                # that command (it looks the channel's slot up), hence the PING.
                await self.redis.ping()
                await pubsub.subscribe(CHANNEL)
                # No silent reconnection under us: a break must be seen, so the copies are
                # emptied. (The connection goes back to the pool afterwards, its retry restored.)
                connection = pubsub.connection
                retry = getattr(connection, "retry", None)
                if retry is not None:
                    connection.retry = Retry(NoBackoff(), 0)
                while True:
                    # A timeout, so that the connection's health check (a PING when idle) runs.
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._set_live(True)
                        delay = 0.1
                    elif message["type"] == "message":
                        topic, _, value = _text(message["data"]).partition(" ")
                        self._apply(topic, value)
                        self.heard += 1
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self._live:
                    log.warning("changes not heard (%s): reading from Redis", type(exc).__name__)
            finally:
                self._set_live(False)
                if retry is not None:
                    connection.retry = retry
                with contextlib.suppress(RedisError, OSError, RuntimeError, AttributeError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


# Announcements made in the current request, applied here as soon as it has committed.
_made: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar(
    "announcements", default=None
)


async def after_commit(topic: str, value: str) -> None:
    """Inside a transaction that changes what copies keep: announce (topic, value) once it has
    committed, through the outbox (``announce_job``), so a rollback announces nothing and a
    crash loses nothing. The request that made it drops it here at once when it ends
    (``collect``/``apply_here``); other processes hear it when the job runs, a moment later.
    """
    from services import jobs  # services.jobs needs Deps, which needs this module

    await jobs.add("localcopy.announce", {"topic": topic, "value": value},
                   key=f"announce:{topic}:{value}:{uuid.uuid4().hex}")  # fmt: skip
    made = _made.get()
    if made is not None:
        made.append((topic, value))


def collect() -> contextvars.Token[list[tuple[str, str]] | None]:
    return _made.set([])


def apply_here(changes: Changes, token: contextvars.Token[list[tuple[str, str]] | None]) -> None:
    """After the request's work has committed: drop what its announcements name, here."""
    made = _made.get() or []
    _made.reset(token)
    for topic, value in made:
        changes.forget_here(topic, value)


async def announce_job(deps: Deps, payload: dict[str, Any]) -> None:
    """Job: tell every process (``after_commit``)."""
    await deps.changes.announce((str(payload["topic"]), str(payload["value"])))
