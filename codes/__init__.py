"""Signed dynamic codes (ride, talent, credit, consent): format, keys, issuing, verification.

Start from ``docs/codes.md``. Servers issue with ``issue``/``online`` and verify with
``online.verify_online``; validators use ``validator.OfflineValidator``; phones use ``device``;
keys and revocations live in the database through ``store``.
"""
