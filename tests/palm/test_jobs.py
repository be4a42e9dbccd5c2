"""The job queue's kick never fails a caller whose write has committed: the sweep is behind it."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestClient

from palm import keys
from palm.jobs import JobQueue


async def test_a_kick_the_broker_cannot_take_is_left_to_the_sweep(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = client.app
    # A queue whose Redis does not answer (nothing listens on port 9): every send fails.
    dead = JobQueue(app[keys.SETTINGS].with_(redis_url="redis://127.0.0.1:9/0"), app[keys.DEPS])
    with caplog.at_level(logging.WARNING, logger="palm.jobs"):
        await dead.kick([101, 102])  # raises nothing: the bot and the API both rely on that
    assert any("sweep will deliver" in r.getMessage() for r in caplog.records)
    await dead.stop(grace=1.0)
