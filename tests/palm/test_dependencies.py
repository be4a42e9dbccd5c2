"""Every package the code imports is declared in pyproject.toml, in the right set.

The runtime packages may import only the runtime dependencies (plus, lazily, the embedded
default's stand-ins, which a production install leaves out); tests and benchmarks may also use
the development extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from palm.settings import _EMBEDDED_PACKAGES

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FIRST_PARTY = set(PROJECT["tool"]["ruff"]["lint"]["isort"]["known-first-party"])
RUNTIME_PACKAGES = PROJECT["tool"]["mypy"]["packages"]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]).lower()


RUNTIME = {_name(r) for r in PROJECT["project"]["dependencies"]}
EXTRAS = {
    extra: {_name(r) for r in requirements}
    for extra, requirements in PROJECT["project"]["optional-dependencies"].items()
}


def _imported(*folders: str) -> dict[str, set[str]]:
    """Distribution name -> files importing it (at any depth, lazy imports too)."""
    distributions = packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.partition(".")[0]
                    if top in FIRST_PARTY or top in sys.stdlib_module_names:
                        continue
                    for distribution in distributions.get(top, [top]):
                        found.setdefault(_name(distribution), set()).add(
                            str(path.relative_to(ROOT))
                        )
    return found


def test_the_runtime_imports_only_declared_dependencies() -> None:
    embedded = EXTRAS["embedded"]
    undeclared = {
        name: sorted(files)
        for name, files in _imported(*RUNTIME_PACKAGES).items()
        if name not in RUNTIME | embedded
    }
    assert undeclared == {}, "declare these in [project] dependencies"


def test_the_embedded_stand_ins_are_an_extra_not_the_runtime_set() -> None:
    stand_ins = {_name(n) for names in _EMBEDDED_PACKAGES.values() for n in names}
    assert EXTRAS["embedded"] == stand_ins  # what the settings check at start-up
    assert RUNTIME & stand_ins == set()


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    declared = RUNTIME.union(*EXTRAS.values())
    undeclared = {
        name: sorted(files)
        for name, files in _imported("tests", "bench").items()
        if name not in declared
    }
    assert undeclared == {}, "declare these in the dev extra"


def test_the_lock_pins_what_pyproject_pins_with_hashes() -> None:
    # requirements.lock (make lock) is what make installs, with --require-hashes.
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", text, re.M))
    locked = {_name(name): version for name, version in pins.items()}
    declared = [*PROJECT["project"]["dependencies"]]
    for requirements in PROJECT["project"]["optional-dependencies"].values():
        declared += requirements
    stale = {}
    for requirement in declared:
        name, _, version = requirement.partition("==")
        if locked.get(_name(name)) != version.strip():
            stale[name] = (version, locked.get(_name(name)))
    assert stale == {}, "run make lock"
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)[1:]  # [0]: the header comment
    assert len(entries) == len(pins)
    assert all("--hash=sha256:" in entry for entry in entries)
