"""The forms REDIS_URL takes, and the ones refused at start-up."""

from __future__ import annotations

import pytest

from palm.redis_url import parse
from palm.settings import Settings, SettingsError


def test_sentinel_and_cluster_urls() -> None:
    found = parse("redis+sentinel://:s3cret@10.0.0.5:26379,10.0.0.6:26380/palm/2")
    assert (found.kind, found.nodes, found.service, found.db, found.password) == (
        "sentinel", (("10.0.0.5", 26379), ("10.0.0.6", 26380)), "palm", 2, "s3cret",
    )  # fmt: skip
    assert parse("redis+sentinel://h:26379/palm").db == 0
    cluster = parse("redis+cluster://a:7000,b:7001")
    assert (cluster.kind, cluster.nodes) == ("cluster", (("a", 7000), ("b", 7001)))
    assert parse("redis://127.0.0.1:6379/3").kind == "single"


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel://h:26379",  # no service name
        "redis+sentinel://h:26379/palm/x",
        "redis+sentinel://h/palm",  # no port
        "redis+cluster://a:7000/3",  # a cluster has db 0 only
        "memcached://h:11211",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (the message varies by form)
        parse(url)
    with pytest.raises(SettingsError):
        Settings.from_env({"PALM_ENV": "development", "REDIS_URL": url})
