"""Issuer keys and revocations in the database (needs models.codes migrated)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.exceptions import InvalidTag
from tortoise.exceptions import IntegrityError

from codes.device import Device
from codes.document import open_document
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.issue import certify_device, issue_code
from codes.signing import Algorithm
from codes.verify import verify_code
from models.codes import IssuerKey, IssuerKeyStatus, KeyAlgorithm, RevocationReason
from services.codes import revocations, snapshot, store
from services.errors import Conflict, NotFound
from services.privacy import FieldCipher

pytestmark = pytest.mark.usefixtures("db")
CIPHER = FieldCipher((("t1", b"\x11" * 32),))


async def test_generated_key_is_encrypted_at_rest() -> None:
    key = await store.generate_key(CIPHER)
    assert (key.kid, key.status, key.algorithm) == (1, IssuerKeyStatus.ACTIVE, KeyAlgorithm.P256)
    issuer = await store.load_issuer(CIPHER)
    secret = base64.b64encode(issuer.signer.private_bytes()).decode()
    row = await IssuerKey.get(kid=1)
    assert secret not in row.private_key_enc
    assert row.private_key_enc.startswith("v1.t1.")
    assert bytes(row.public_key) == issuer.signer.public_bytes()
    with pytest.raises(InvalidTag):  # the kid is associated data
        CIPHER.decrypt(row.private_key_enc, field="code_issuer_key:2")
    with pytest.raises(Conflict):
        await store.generate_key(CIPHER)
    assert await store.current_version() == 1


async def test_rotation_keeps_yesterdays_codes_until_retirement(subject: Subject, now: int) -> None:
    await store.generate_key(CIPHER)
    yesterday = await store.load_issuer(CIPHER)
    phone = Device.generate()
    phone.install(
        certify_device(
            yesterday,
            Purpose.RIDE,
            subject,
            algorithm=phone.algorithm,
            public_key=phone.public_key,
            expires_at=now + 2 * 86400,
            spend_limit_fen=5000,
        )
    )
    online = issue_code(yesterday, Purpose.RIDE, subject, now=now)

    new = await store.rotate_key(CIPHER, Algorithm.ED25519)
    assert (new.kid, new.algorithm) == (2, KeyAlgorithm.ED25519)
    assert (await store.load_issuer(CIPHER)).kid == 2
    keyring = await snapshot.load_keyring()
    assert {k.kid: k.status.value for k in keyring.keys.values()} == {1: "retiring", 2: "active"}
    assert verify_code(phone.make_code(now), keyring, purpose=Purpose.RIDE, now=now).kid == 1
    verify_code(online, keyring, purpose=Purpose.RIDE, now=now)

    retired = await store.retire_key(1)
    assert retired.status is IssuerKeyStatus.RETIRED
    assert retired.retired_at is not None
    keyring = await snapshot.load_keyring()
    with pytest.raises(CodeRejected, match="retired_key"):
        verify_code(phone.make_code(now), keyring, purpose=Purpose.RIDE, now=now)
    assert keyring.version == 3  # generate, rotate, retire


async def test_retire_refuses_active_and_unknown_keys() -> None:
    await store.generate_key(CIPHER)
    with pytest.raises(Conflict):
        await store.retire_key(1)
    with pytest.raises(NotFound):
        await store.retire_key(42)


async def test_database_refuses_a_second_active_key_or_a_reused_kid() -> None:
    await store.generate_key(CIPHER)
    row = {"algorithm": KeyAlgorithm.P256, "public_key": b"k", "private_key_enc": "x"}
    with pytest.raises(IntegrityError):
        await IssuerKey.create(kid=2, status=IssuerKeyStatus.ACTIVE, active_slot=1, **row)
    with pytest.raises(IntegrityError):
        await IssuerKey.create(
            kid=1, status=IssuerKeyStatus.RETIRED, retired_at=datetime.now(UTC), **row
        )


async def test_concurrent_rotations_leave_one_active_key() -> None:
    await store.generate_key(CIPHER)
    results = await asyncio.gather(
        *(store.rotate_key(CIPHER) for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(r, IssuerKey | Conflict) for r in results), results
    assert await IssuerKey.filter(status=IssuerKeyStatus.ACTIVE).count() == 1


async def test_revocations_bump_the_version_and_reach_the_document(now: int) -> None:
    await store.generate_key(CIPHER)
    card, account = Subject.from_uuid(uuid.uuid4()), Subject.from_number(4200001234)
    first = await snapshot.keyring_document(CIPHER, now=now)
    assert await snapshot.keyring_document_since(CIPHER, first.version, now=now) is None

    assert await revocations.revoke(card, Purpose.RIDE, RevocationReason.LOST)
    assert not await revocations.revoke(card, Purpose.RIDE, RevocationReason.LOST)  # already there
    assert await revocations.revoke(account, None, RevocationReason.ARREARS)
    document = await snapshot.keyring_document_since(CIPHER, first.version, now=now)
    assert document is not None
    assert document.version == first.version + 2
    keyring = open_document(document.body, trusted=open_document(first.body))
    issuer = await store.load_issuer(CIPHER)
    for subject in (card, account):
        with pytest.raises(CodeRejected, match="revoked"):
            verify_code(
                issue_code(issuer, Purpose.RIDE, subject, now=now),
                keyring,
                purpose=Purpose.RIDE,
                now=now,
            )
    verify_code(
        issue_code(issuer, Purpose.TALENT, card, now=now), keyring, purpose=Purpose.TALENT, now=now
    )

    assert await revocations.unrevoke(card, Purpose.RIDE)
    assert not await revocations.unrevoke(card, Purpose.RIDE)
    assert await store.current_version() == document.version + 1
    assert [r.subject for r in (await snapshot.load_keyring()).revocations] == [account]


async def test_document_is_signed_by_every_key_still_verifying(now: int) -> None:
    await store.generate_key(CIPHER)
    before = open_document((await snapshot.keyring_document(CIPHER, now=now)).body)
    await store.rotate_key(CIPHER)
    await store.rotate_key(CIPHER)
    await store.retire_key(1)
    document = await snapshot.keyring_document(CIPHER, now=now)
    assert open_document(document.body).active is not None
    with pytest.raises(ValueError, match="trusted key"):
        open_document(document.body, trusted=before)  # key 1 retired: re-provision the reader


async def test_key_cache_follows_rotation_after_its_recheck(subject: Subject, now: int) -> None:
    clock = [0.0]
    cache = snapshot.KeyCache(CIPHER, recheck=5.0, clock=lambda: clock[0])
    with pytest.raises(NotFound):
        await cache.issuer()
    await store.generate_key(CIPHER)
    clock[0] = 5.0
    first = await cache.issuer()
    assert first.kid == 1
    assert (await cache.keyring()).active is not None
    await store.rotate_key(CIPHER)
    clock[0] = 9.9  # within the interval: no database look-up, the old snapshot
    assert (await cache.issuer()).kid == 1
    clock[0] = 10.0
    issuer, keyring = await cache.issuer(), await cache.keyring()
    assert issuer.kid == 2
    assert {k.kid: k.status.value for k in keyring.keys.values()} == {1: "retiring", 2: "active"}
    code = issue_code(issuer, Purpose.RIDE, subject, now=now)
    assert verify_code(code, keyring, purpose=Purpose.RIDE, now=now).kid == 2
    results = await asyncio.gather(*(cache.keyring() for _ in range(20)))
    assert all(r is keyring for r in results)  # one snapshot shared, not twenty loads


async def test_key_cache_signs_the_document_once_per_version(subject: Subject, now: int) -> None:
    clock = [0.0]
    cache = snapshot.KeyCache(CIPHER, recheck=5.0, clock=lambda: clock[0])
    await store.generate_key(CIPHER)
    first = await cache.document(None, now=now)
    assert first is not None
    assert await cache.document(first.version, now=now) is None  # validator is current: 304
    assert await cache.document(None, now=now + 1) is first  # not signed again
    await revocations.revoke(subject, Purpose.RIDE, RevocationReason.LOST)
    clock[0] = 5.0
    second = await cache.document(first.version, now=now + 2)
    assert second is not None
    assert second.version == first.version + 1
    assert open_document(second.body, trusted=open_document(first.body)).is_revoked(
        subject.encoded, Purpose.RIDE
    )
