"""Every command the README shows works as a newcomer types it: no variables, a fresh checkout.

The commands are read from README.md (its ``sh`` blocks and every ``palm …`` it quotes) and
checked against the lists below both ways: a command added to the README must be run here
or say why not. Each runs in a child process with palm's variables removed and an empty
working directory, as after ``git clone`` (the SQLite file does not exist yet).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from palm.settings import Settings
from tests.proof.procs import ROOT, free_port, palm_command

README = (ROOT / "README.md").read_text(encoding="utf-8")

# README command → the arguments we run it with, and the exit status it must give.
RUN: dict[str, tuple[list[str], int]] = {
    "keys generate": (["keys", "generate"], 0),  # first: a fresh database has no issuer key
    "migrate": (["migrate"], 0),
    "seed-demo": (["seed-demo"], 0),
    "audit verify": (["audit", "verify", "--json"], 0),
    "keys list": (["keys", "list", "--json"], 0),
    "keys export-public": (["keys", "export-public", "-o", "ring.json"], 0),
    "verify-code": (["verify-code", "not-a-code", "--keyring", "ring.json"], 2),
    "grant": ([
        "grant", str(uuid.UUID(int=1)), "--role", "operator", "--organisation",
        "weihai-service-office", "--scopes", "grants",
    ], 1),  # no such resident: refused with a message, after opening the database
    "worker": (["worker"], 2),  # needs REDIS_URL, and says so
}  # fmt: skip
LONG_RUNNING = {"serve", "simulators"}  # started, their table read, then stopped
NOT_RUN = {"makemigrations": "writes a migration file into the checkout"}


def _sh_lines() -> Iterator[str]:
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" # ", 1)[0].strip()
            if line:
                yield line


def _palm_commands() -> set[str]:
    """Each ``palm`` command the README shows, by its sub-command words (``keys list``)."""
    shown = [line for line in _sh_lines() if re.match(r"(\.venv/bin/)?palm ", line)]
    shown += [" ".join(found.split()) for found in re.findall(r"`(palm [^`]+)`", README)]
    found = set()
    for command in shown:
        words = command.split()[1:]
        name = []
        for word in words:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            name.append(word)
        found.add(" ".join(name))
    return found


def _env() -> dict[str, str]:
    """The newcomer's environment: nothing of ours set."""
    ours = ("PALM_", "DATABASE_URL", "REDIS_URL", "HOST", "PORT")
    return {k: v for k, v in os.environ.items() if not k.startswith(ours)}


def test_every_readme_command_is_run_or_says_why_not() -> None:
    shown = _palm_commands()
    known = set(RUN) | LONG_RUNNING | set(NOT_RUN)
    assert shown - known == set(), "classify these README commands in this test"
    assert known - shown == set(), "the README no longer shows these commands"


def test_the_readme_uses_the_ports_make_run_uses() -> None:
    defaults = Settings()
    prose = re.sub(r"```text\n.*?```", "", README, flags=re.S)  # sample output: free ports
    ports = {int(p) for p in re.findall(r"(?:127\.0\.0\.1|localhost):(\d{4,5})", prose)}
    ports -= {5432, 6379}  # PostgreSQL and Redis
    assert ports == {defaults.port}
    assert re.search(r"^run: .*\n\t.*\$\(BIN\)/palm serve$", (ROOT / "Makefile").read_text(), re.M)
    assert f"`{defaults.simulators_port}`" in README  # PALM_SIMULATORS_PORT's default


def test_one_off_commands_work_on_the_embedded_default(tmp_path: Path) -> None:
    for name, (args, status) in RUN.items():
        done = subprocess.run(  # noqa: S603
            palm_command(*args), cwd=tmp_path, env=_env(), capture_output=True, text=True,
            timeout=180,
        )  # fmt: skip
        out = done.stdout + done.stderr
        assert done.returncode == status, f"palm {name}: {out}"
        assert "Traceback" not in out, f"palm {name}: {out}"
        if name == "audit verify":
            assert json.loads(done.stdout)["intact"] is True
        if status:
            assert re.search(r"palm[ :]", done.stderr), f"palm {name} says why: {out}"
    assert (tmp_path / "var" / "palm.sqlite3").exists()  # where make run keeps it


class _Running:
    """A long-running palm command, its stdout collected until it is stopped."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.log = cwd / f"{args[0]}.out"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603
                palm_command(*args), cwd=cwd, env=_env(), stdout=out, stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip

    def wait_for(self, pattern: str, seconds: float = 150.0) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.log.read_text()
            if re.search(pattern, text, re.M):
                return text
            assert self.process.poll() is None, text
            time.sleep(0.1)
        raise AssertionError(f"not printed in time:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def test_palm_serve_prints_its_table_and_answers_the_readme(tmp_path: Path) -> None:
    port = free_port()
    server = _Running(tmp_path, "serve", "--port", str(port))
    try:
        table = server.wait_for(r"^wechatpay +\d+ +http://127\.0\.0\.1:\d+$")
        assert re.search(rf"^api +{port} +http://127\.0\.0\.1:{port}$", table, re.M)
        for platform in ("wechat", "aishandong", "talent", "credit", "health", "hotline"):
            assert re.search(rf"^{platform} +\d+ +http://127\.0\.0\.1:\d+$", table, re.M)
        if shutil.which("curl") is None:
            pytest.skip("curl is not installed")
        default = Settings().port
        curls = [line for line in _sh_lines() if line.startswith("curl ")]
        assert curls
        for line in curls:
            argv = ["curl", "-sS", "--fail-with-body", *shlex.split(line)[1:]]
            argv = [a.replace(f":{default}", f":{port}") for a in argv]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60)  # noqa: S603
            assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
            assert json.loads(done.stdout)
    finally:
        server.stop()


def _free_run(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    for _ in range(50):
        first = free_port()
        try:
            with contextlib.ExitStack() as stack:
                for offset in range(count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
    raise AssertionError("no run of free ports")


def test_palm_simulators_prints_a_table_of_ports(tmp_path: Path) -> None:
    first = _free_run(7)
    sims = _Running(tmp_path, "simulators", "--port", str(first))
    try:
        table = sims.wait_for(r"^wechatpay +\d+")
        rows = re.findall(r"^(\w+) +(\d+) +http://127\.0\.0\.1:(\d+)$", table, re.M)
        ports = {name: int(port) for name, port, again in rows if port == again}
        assert (ports["wechat"], ports["wechatpay"]) == (first, first + 6)
        assert re.search(r"^app \(callbacks\) +8080 +http://127\.0\.0\.1:8080$", table, re.M)
    finally:
        sims.stop()


def test_the_table_names_real_platforms_too() -> None:
    from dataclasses import replace

    from palm.simulators import table

    wechat = replace(Settings().wechat, base_url="https://api.weixin.qq.com")
    pay = replace(Settings().wechatpay, base_url="http://127.0.0.1:4100")
    text = table({"wechat": wechat, "wechatpay": pay}, {"wechatpay"}, api="http://127.0.0.1:80")
    assert text.splitlines()[1:] == [
        "api           80  http://127.0.0.1:80",
        "wechat            https://api.weixin.qq.com (the real platform)",
        "wechatpay   4100  http://127.0.0.1:4100",
    ]
