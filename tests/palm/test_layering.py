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


# What only a service may do with a model: query it, or load and write a row.
ORM_QUERIES = frozenset(
    {"filter", "get", "get_or_none", "create", "all", "exists", "exclude", "first",
     "get_or_create", "update_or_create", "bulk_create", "select_for_update", "raw"}
)  # fmt: skip
ROW_CALLS = frozenset({"fetch_related", "save", "refresh_from_db"})


def _imported_from(tree: ast.Module, package: str) -> set[str]:
    return {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package
        for alias in node.names
    }


def _model_names(tree: ast.Module) -> set[str]:
    return _imported_from(tree, "models")


def test_handlers_leave_the_database_to_services() -> None:
    """A handler parses, calls one service function and renders: no query, no row write."""
    paths = sorted((ROOT / "handlers").rglob("*.py"))
    assert len(paths) > 30
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        models, services = _model_names(tree), _imported_from(tree, "services")
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner, attr = node.func.value, node.func.attr
            of_service = isinstance(owner, ast.Name) and owner.id in services
            if (attr in ROW_CALLS and not of_service) or (
                attr in ORM_QUERIES and isinstance(owner, ast.Name) and owner.id in models
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node.func)}")
    assert found == [], "\n".join(found)


def test_the_handler_check_sees_a_query() -> None:
    tree = ast.parse("from models.x import Row\nasync def h():\n    await Row.get_or_none(id=1)\n")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert _model_names(tree) == {"Row"}
    assert [ast.unparse(c.func) for c in calls] == ["Row.get_or_none"]
