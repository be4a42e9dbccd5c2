"""What a database's tables are, read back from its catalogue, in a form two databases compare.

For each table: columns (type, nullability), primary key, unique keys, plain indexes, foreign
keys (with their ON DELETE rule) and CHECK constraints. Names of unique keys and indexes are
left out (Tortoise names them differently on the two paths; what matters is which columns
they cover); CHECK constraints keep their names, because the models name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

Columns = tuple[str, ...]
IGNORED_TABLES = {"tortoise_migrations", "sqlite_sequence"}


@dataclass
class TableShape:
    columns: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name: (type, not null)
    primary: Columns = ()
    unique: set[Columns] = field(default_factory=set)
    indexes: set[Columns] = field(default_factory=set)
    foreign: set[tuple[str, str, str, str]] = field(default_factory=set)
    checks: dict[str, str] = field(default_factory=dict)  # name: normalised expression

    def differences(self, other: TableShape) -> list[str]:
        out = []
        for part in ("columns", "primary", "unique", "indexes", "foreign", "checks"):
            mine, theirs = getattr(self, part), getattr(other, part)
            if mine != theirs:
                out.append(f"{part}: {_delta(mine, theirs)}")
        return out


def _delta(a: Any, b: Any) -> str:
    if isinstance(a, dict):
        keys = sorted(set(a) | set(b))
        return ", ".join(f"{k}: {a.get(k)} vs {b.get(k)}" for k in keys if a.get(k) != b.get(k))
    if isinstance(a, set):
        return f"only in first {sorted(a - b)}, only in second {sorted(b - a)}"
    return f"{a} vs {b}"


def normalise_check(expr: str) -> str:
    """Case, spaces and redundant outer parentheses do not make two checks differ."""
    text = re.sub(r"\s+", " ", expr.strip())
    while text.startswith("(") and _balanced(text[1:-1]) and text.endswith(")"):
        text = text[1:-1].strip()
    return text.lower()


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


async def read_schema(conn: BaseDBAsyncClient) -> dict[str, TableShape]:
    if conn.capabilities.dialect == "postgres":
        return await _read_postgres(conn)
    return await _read_sqlite(conn)


async def _read_sqlite(conn: BaseDBAsyncClient) -> dict[str, TableShape]:
    tables = await conn.execute_query_dict(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    shapes: dict[str, TableShape] = {}
    for row in tables:
        name, sql = row["name"], row["sql"]
        if name in IGNORED_TABLES:
            continue
        shape = shapes[name] = TableShape()
        info = await conn.execute_query_dict(f"PRAGMA table_info('{name}')")
        shape.columns = {
            c["name"]: (c["type"].upper(), bool(c["notnull"] or c["pk"])) for c in info
        }
        shape.primary = tuple(c["name"] for c in sorted(info, key=lambda c: c["pk"]) if c["pk"])
        for index in await conn.execute_query_dict(f"PRAGMA index_list('{name}')"):
            cols = await conn.execute_query_dict(f"PRAGMA index_info('{index['name']}')")
            covered = tuple(c["name"] for c in sorted(cols, key=lambda c: c["seqno"]))
            if index["origin"] == "pk" or covered == shape.primary:
                continue
            (shape.unique if index["unique"] else shape.indexes).add(covered)
        for fk in await conn.execute_query_dict(f"PRAGMA foreign_key_list('{name}')"):
            shape.foreign.add((fk["from"], fk["table"], fk["to"], fk["on_delete"].upper()))
        shape.checks = dict(_sqlite_checks(sql))
    return shapes


def _sqlite_checks(create_sql: str) -> list[tuple[str, str]]:
    """CONSTRAINT "name" CHECK (expr) clauses of a CREATE TABLE statement."""
    found = []
    for match in re.finditer(r'CONSTRAINT\s+"?(\w+)"?\s+CHECK\s*\(', create_sql, re.I):
        start = depth = match.end() - 1
        depth = 0
        for pos in range(start, len(create_sql)):
            depth += {"(": 1, ")": -1}.get(create_sql[pos], 0)
            if depth == 0:
                found.append((match.group(1), normalise_check(create_sql[start : pos + 1])))
                break
    return found


_PG_TYPES = {"character varying": "VARCHAR", "timestamp with time zone": "TIMESTAMPTZ"}


async def _read_postgres(conn: BaseDBAsyncClient) -> dict[str, TableShape]:
    shapes: dict[str, TableShape] = {}
    for col in await conn.execute_query_dict(
        "SELECT table_name, column_name, data_type, character_maximum_length AS len,"
        " is_nullable FROM information_schema.columns WHERE table_schema = 'public'"
    ):
        if col["table_name"] in IGNORED_TABLES:
            continue
        kind = _PG_TYPES.get(col["data_type"], col["data_type"].upper())
        if col["len"]:
            kind += f"({col['len']})"
        shape = shapes.setdefault(col["table_name"], TableShape())
        shape.columns[col["column_name"]] = (kind, col["is_nullable"] == "NO")
    for con in await conn.execute_query_dict(
        "SELECT rel.relname AS tbl, c.conname AS name, c.contype AS kind,"
        " pg_get_constraintdef(c.oid) AS def,"
        " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)"
        "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n"
        "       ORDER BY k.i) AS cols,"
        " ref.relname AS ref_table,"
        " ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)"
        "       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n"
        "       ORDER BY k.i) AS ref_cols,"
        " c.confdeltype AS on_delete"
        " FROM pg_constraint c JOIN pg_class rel ON rel.oid = c.conrelid"
        " JOIN pg_namespace ns ON ns.oid = rel.relnamespace"
        " LEFT JOIN pg_class ref ON ref.oid = c.confrelid WHERE ns.nspname = 'public'"
    ):
        shape = shapes.get(con["tbl"])
        if shape is None:
            continue
        cols = tuple(con["cols"])
        if con["kind"] == "p":
            shape.primary = cols
        elif con["kind"] == "u":
            shape.unique.add(cols)
        elif con["kind"] == "f":
            rule = _PG_DELETE[con["on_delete"]]
            shape.foreign.add((cols[0], con["ref_table"], con["ref_cols"][0], rule))
        elif con["kind"] == "c":
            expr = con["def"].removeprefix("CHECK ")
            shape.checks[con["name"]] = normalise_check(expr)
    for idx in await conn.execute_query_dict(
        "SELECT t.relname AS tbl, i.indisunique AS uniq, i.indisprimary AS pk,"
        " EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AS backs,"
        " ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o)"
        "       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n"
        "       ORDER BY k.o) AS cols"
        " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
        " JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname = 'public'"
    ):
        shape = shapes.get(idx["tbl"])
        if shape is None or idx["pk"] or idx["backs"]:
            continue
        (shape.unique if idx["uniq"] else shape.indexes).add(tuple(idx["cols"]))
    return shapes


_PG_DELETE = {
    "a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"
}  # fmt: skip
