"""One way to build errors: every refusal is made by a factory in an ``errors.py`` module.

Read from the source (AST), not by importing: a domain module that builds a ``Conflict(...)``
inline fails here even if no test ever reaches that line.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("services", "handlers", "bot", "codes")

# Areas other helpers of issue 14 are converting; the integrator empties this set after merging.
PENDING: frozenset[str] = frozenset()

ERROR_CLASSES = frozenset(
    {
        "DomainError",
        "InvalidInput",
        "Conflict",
        "NotFound",
        "PermissionDenied",
        "Unauthenticated",
        "RateLimited",
        "UpstreamUnavailable",
        "UpstreamRejected",
        # palm's own categories, built only in palm/problems.py
        "UnsupportedMediaType",
        "PayloadTooLarge",
        "MethodNotAllowed",
        "InternalError",
    }
)

# palm's HTTP-level refusals (not found, method, too large …) have their factories here.
PALM_FACTORIES = ROOT / "palm" / "problems.py"


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _pending(path: Path) -> bool:
    rel = _relative(path)
    return any(rel == p or rel.startswith(p + "/") for p in PENDING)


def _modules() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not _pending(path):
                yield path


def _is_factory_module(path: Path) -> bool:
    return path.name == "errors.py" or path == PALM_FACTORIES


def _constructions(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ERROR_CLASSES:
                yield node


def _tables(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level dicts keyed by string literals: a table-driven family's codes."""
    tables: dict[str, list[str]] = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
            keys = [k.value for k in value.keys if isinstance(k, ast.Constant)]
            if keys and all(isinstance(k, str) for k in keys):
                tables[target.id] = [str(k) for k in keys]
    return tables


def _codes_by_factory(path: Path) -> Iterator[tuple[str, str]]:
    """(code, factory) for every code a factory module defines: literal, f-string, or table."""
    tree = ast.parse(path.read_text(), str(path))
    tables = _tables(tree)
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        factory = f"{_relative(path)}:{node.lineno}:{node.name}"
        for call in _constructions(node):
            code = call.args[0] if call.args else None
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                yield code.value, factory
            elif isinstance(code, ast.JoinedStr):
                yield ast.unparse(code), factory
            else:
                used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                for table in sorted(used & tables.keys()):
                    for key in tables[table]:
                        yield key, factory


def test_refusals_are_built_only_in_errors_modules() -> None:
    inline = sorted(
        (_relative(path), call.lineno, ast.unparse(call.func))
        for path in _modules()
        if not _is_factory_module(path)
        for call in _constructions(ast.parse(path.read_text(), str(path)))
    )
    assert inline == [], "build these through a factory in the domain's errors.py:\n" + "\n".join(
        f"{path}:{line}: {name}(…)" for path, line, name in inline
    )


def test_refusal_classes_are_declared_only_in_errors_modules() -> None:
    """A subclass declared in a service body would carry its codes past the catalogue."""
    elsewhere = sorted(
        f"{_relative(path)}:{node.lineno}: class {node.name}"
        for path in _modules()
        if not _is_factory_module(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).rsplit(".", 1)[-1] in ERROR_CLASSES for base in node.bases)
    )
    assert elsewhere == []


def test_pending_areas_exist() -> None:
    """A misspelt or moved entry in PENDING would skip nothing and say nothing."""
    assert all((ROOT / area).is_dir() for area in PENDING)


def test_each_code_has_one_factory() -> None:
    factories: dict[str, set[str]] = defaultdict(set)
    for path in [*_modules(), PALM_FACTORIES]:
        if _is_factory_module(path):
            for code, factory in _codes_by_factory(path):
                factories[code].add(factory)
    assert "real_name_required" in factories  # the scan sees the shared module
    twice = {code: sorted(where) for code, where in factories.items() if len(where) > 1}
    assert twice == {}


def test_the_scan_sees_an_inline_refusal() -> None:
    """The walk is not vacuous: a refusal built in a service body is found."""
    tree = ast.parse('def f():\n    raise errors.Conflict("x_exists", "…", "…")\n')
    assert [ast.unparse(c.func) for c in _constructions(tree)] == ["errors.Conflict"]
