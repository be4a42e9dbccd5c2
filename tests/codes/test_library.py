"""``codes/`` is a library a validator vendor embeds: it needs no database, cache or service."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CODES = Path(__file__).parents[2] / "codes"
MODULES = sorted(f"codes.{p.stem}" for p in CODES.glob("*.py") if p.stem != "__init__")
# The service's own packages, and the storage and web stacks the server side uses.
FORBIDDEN = {"services", "models", "palm", "handlers", "bot", "integrations", "tortoise", "redis"}
FORBIDDEN |= {"aiohttp", "asyncpg", "aiosqlite"}
# What the library may import besides itself and the standard library (qr.py: images only;
# tongsuopy: SM2, which cryptography lacks).
ALLOWED = {"codes", "cryptography", "tongsuopy", "segno", "zxingcpp", "PIL"}


def _imported(path: Path) -> set[str]:
    """Top-level packages ``path`` imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_library_imports_only_itself_the_standard_library_and_its_declared_packages() -> None:
    assert len(MODULES) >= 12
    for path in CODES.glob("*.py"):
        outside = _imported(path) - ALLOWED - sys.stdlib_module_names
        assert not outside, (path.name, outside)


def test_importing_every_module_loads_nothing_of_the_server() -> None:
    """In a fresh interpreter, so no module another test imported can hide a dependency."""
    script = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=CODES.parent,
    )
    loaded = set(done.stdout.split())
    assert "codes" in loaded
    assert not loaded & FORBIDDEN, loaded & FORBIDDEN
