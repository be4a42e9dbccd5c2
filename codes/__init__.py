"""Signed dynamic codes (ride, talent, credit, consent): format, keys, issuing, verification.

A library with no domain rules and no storage: what a validator vendor embeds (see "Embedding
the verifier" in ``docs/codes.md``). Verify with ``verify.verify_code`` or
``validator.OfflineValidator``; phones use ``device``; servers sign with ``issue``/``online``.
Keys in the database, revocations, keyring snapshots and single use are the server's part,
``services.codes``.
"""
