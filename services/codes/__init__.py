"""The code engine's server side: what needs the database or Redis.

``store`` keeps issuer keys (encrypted) and the keyring version, ``revocations`` the list of
suspended subjects, ``snapshot`` the per-process ``KeyCache`` and the signed keyring document,
``claims`` the single use of online codes. The pure library is the top-level ``codes``.
"""
