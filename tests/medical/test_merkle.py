"""The Merkle tree is RFC 6962's: checked against its recursive definition, leaf by leaf."""

from __future__ import annotations

import hashlib

from services.medical import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, recursively, over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]), recursively."""
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def test_known_vectors() -> None:
    assert merkle.root([]).hex() == hashlib.sha256(b"").hexdigest()
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_roots_and_paths_match_the_rfc_for_every_size_and_leaf() -> None:
    for n in range(1, 34):
        leaves = [merkle.leaf_hash(str(i).encode()) for i in range(n)]
        root = merkle.root(leaves)
        assert root == _mth(leaves), n
        for m in range(n):
            path = merkle.audit_path(leaves, m)
            assert path == _path(m, leaves), (n, m)
            assert merkle.verify_inclusion(leaves[m], m, n, path, root)
            wrong = merkle.leaf_hash(b"another")
            assert not merkle.verify_inclusion(wrong, m, n, path, root)
            if n > 1:
                assert not merkle.verify_inclusion(leaves[m], (m + 1) % n, n, path, root)
