"""The signed keyring document: what validators download, and when they may trust it."""

from __future__ import annotations

import base64
import json

import pytest

from codes.document import CONTEXT, BadKeyring, open_document, sign_document
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.issue import Issuer, issue_code
from codes.keyring import Keyring, KeyStatus, Revocation
from codes.signing import Algorithm, generate
from codes.verify import verify_code
from tests.codes.conftest import public


def test_round_trip_keeps_keys_status_and_revocations(subject: Subject, now: int) -> None:
    old, new = Issuer(1, generate()), Issuer(2, generate(Algorithm.ED25519))
    retired = Issuer(0x0102, generate())
    keyring = Keyring(
        [public(old, KeyStatus.RETIRING), public(new), public(retired, KeyStatus.RETIRED)],
        [Revocation(subject, Purpose.RIDE), Revocation(Subject.parse("4200001234"))],
        version=12,
    )
    document = sign_document(keyring, [old, new], issued_at=now)
    assert document.version == 12
    assert document.etag == '"keyring-12"'
    opened = open_document(document.body)
    assert opened.version == 12
    assert dict(opened.keys) == dict(keyring.keys)
    assert set(opened.revocations) == set(keyring.revocations)
    payload = json.loads(base64.urlsafe_b64decode(json.loads(document.body)["payload"] + "=="))
    assert "reason" not in json.dumps(payload["revoked"])  # arrears stay off the buses
    assert {k["status"] for k in payload["keys"]} == {"active", "retiring", "retired"}
    code = issue_code(new, Purpose.RIDE, subject, now=now)
    with pytest.raises(CodeRejected, match="revoked"):
        verify_code(code, opened, purpose=Purpose.RIDE, now=now)


def test_validator_follows_a_rotation_it_did_not_see(now: int) -> None:
    """A reader that only knew key 1 accepts a keyring signed by 1 (retiring) and 2."""
    first, second, third = (Issuer(kid, generate()) for kid in (1, 2, 3))
    known = Keyring([public(first)], version=1)
    rotated = Keyring([public(first, KeyStatus.RETIRING), public(second)], version=2)
    assert (
        open_document(
            sign_document(rotated, [first, second], issued_at=now).body, trusted=known
        ).version
        == 2
    )
    # Once key 1 is retired, a reader still on version 1 cannot follow: it must be re-provisioned.
    later = Keyring(
        [public(first, KeyStatus.RETIRED), public(second, KeyStatus.RETIRING), public(third)],
        version=3,
    )
    with pytest.raises(BadKeyring, match="trusted key"):
        open_document(sign_document(later, [second, third], issued_at=now).body, trusted=known)


def test_forgeries_and_rollbacks_are_refused(now: int) -> None:
    issuer, attacker = Issuer(1, generate()), Issuer(1, generate())
    trusted = Keyring([public(issuer)], version=5)
    forged = Keyring([public(attacker)], version=6)
    with pytest.raises(BadKeyring, match="trusted key"):
        open_document(sign_document(forged, [attacker], issued_at=now).body, trusted=trusted)
    old = Keyring([public(issuer)], version=4)
    with pytest.raises(BadKeyring, match="older"):
        open_document(sign_document(old, [issuer], issued_at=now).body, trusted=trusted)
    with pytest.raises(BadKeyring, match="trusted key"):
        open_document(sign_document(trusted, [], issued_at=now).body)


def test_tampered_payload_fails(now: int, subject: Subject) -> None:
    issuer = Issuer(1, generate())
    keyring = Keyring([public(issuer)], [Revocation(subject)], version=2)
    outer = json.loads(sign_document(keyring, [issuer], issued_at=now).body)
    payload = base64.urlsafe_b64decode(outer["payload"] + "==")
    outer["payload"] = base64.urlsafe_b64encode(payload.replace(b'"all"', b'"ride"')).decode()
    with pytest.raises(BadKeyring, match="trusted key"):
        open_document(json.dumps(outer).encode())
    # A code signature over the same bytes without the context prefix is not a keyring signature.
    outer = json.loads(sign_document(keyring, [issuer], issued_at=now).body)
    bare = issuer.signer.sign(payload)
    assert issuer.signer.verifier().verify(issuer.signer.sign(CONTEXT + payload), CONTEXT + payload)
    outer["signatures"] = [{"kid": 1, "signature": base64.urlsafe_b64encode(bare).decode()}]
    with pytest.raises(BadKeyring, match="trusted key"):
        open_document(json.dumps(outer).encode())


@pytest.mark.parametrize("body", [b"", b"{}", b'{"payload": "!!", "signatures": []}', b"[]"])
def test_garbage_is_a_bad_keyring(body: bytes) -> None:
    with pytest.raises(BadKeyring, match="malformed"):
        open_document(body)


def test_keys_of_unknown_algorithms_are_left_out(now: int, subject: Subject) -> None:
    """A newer server may list a key this reader cannot load; the reader keeps working."""
    issuer = Issuer(1, generate())
    outer = json.loads(sign_document(Keyring([public(issuer)]), [issuer], issued_at=now).body)
    payload = json.loads(base64.urlsafe_b64decode(outer["payload"] + "=="))
    payload["keys"].append({"kid": 9, "alg": "sm9", "public_key": "AAAA", "status": "active"})
    raw = json.dumps(payload).encode()
    outer["payload"] = base64.urlsafe_b64encode(raw).decode()
    outer["signatures"] = [
        {
            "kid": 1,
            "signature": base64.urlsafe_b64encode(issuer.signer.sign(CONTEXT + raw)).decode(),
        }
    ]
    keyring = open_document(json.dumps(outer).encode())
    assert set(keyring.keys) == {1}
    with pytest.raises(CodeRejected, match="unknown_key"):
        verify_code(
            issue_code(Issuer(9, generate()), Purpose.RIDE, subject, now=now),
            keyring,
            purpose=Purpose.RIDE,
            now=now,
        )
    verify_code(
        issue_code(issuer, Purpose.RIDE, subject, now=now), keyring, purpose=Purpose.RIDE, now=now
    )
