"""Services never import the wiring (palm) or the web framework (aiohttp): they get a ``Deps``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("palm", "aiohttp")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_service_imports_palm_or_aiohttp() -> None:
    paths = sorted((ROOT / "services").rglob("*.py"))
    assert len(paths) > 50
    found = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imports(path) if n.split(".")[0] in FORBIDDEN
        )
        for path in paths
    }
    bad = {path: names for path, names in found.items() if names}
    assert not bad, bad
