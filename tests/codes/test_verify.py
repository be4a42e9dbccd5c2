"""The one verification function: round trips, tampering, and each reason for refusal."""

from __future__ import annotations

import dataclasses

import pytest

from codes.device import Device
from codes.errors import MESSAGES, CodeRejected
from codes.fields import Attributes, Group, Purpose, Subject, Tier
from codes.issue import Issuer, certify_device, issue_code
from codes.keyring import Keyring, KeyStatus, Revocation
from codes.signing import Algorithm, generate
from codes.verify import DEFAULT_SKEW, verify_code
from services.codes.errors import code_rejected
from services.errors import DomainError, InvalidInput
from tests.codes.conftest import public


def _reason(code: bytes, keyring: Keyring, now: int, purpose: Purpose = Purpose.RIDE) -> str:
    with pytest.raises(CodeRejected) as caught:
        verify_code(code, keyring, purpose=purpose, now=now)
    return caught.value.reason


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_online_round_trip(algorithm: Algorithm, subject: Subject, now: int) -> None:
    issuer = Issuer(3, generate(algorithm))
    keyring = Keyring([public(issuer)])
    attrs = Attributes(tier=Tier.GOLD, scene=42)
    code = issue_code(issuer, Purpose.TALENT, subject, now=now, validity=120, attributes=attrs)
    verified = verify_code(code, keyring, purpose=Purpose.TALENT, now=now + 119)
    assert (verified.purpose, verified.subject, verified.kid) == (Purpose.TALENT, subject, 3)
    assert (verified.issued_at, verified.expires_at) == (now, now + 120)
    assert verified.attributes == attrs
    assert not verified.offline
    assert len(verified.code_id) == 16
    assert verified.as_dict()["attributes"] == {"tier": 1, "scene": 42}


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_offline_round_trip(
    algorithm: Algorithm, issuer: Issuer, keyring: Keyring, subject: Subject, now: int
) -> None:
    phone = Device.generate(algorithm)
    certificate = certify_device(
        issuer,
        Purpose.RIDE,
        subject,
        algorithm=phone.algorithm,
        public_key=phone.public_key,
        expires_at=now + 3600,
        spend_limit_fen=2000,
        attributes=Attributes(group=Group.STUDENT),
    )
    phone.install(certificate)
    first, second = phone.make_code(now), phone.make_code(now + 30)
    verified = verify_code(first, keyring, purpose=Purpose.RIDE, now=now + 5)
    assert verified.offline
    assert verified.subject == subject
    assert verified.kid == issuer.kid
    assert verified.attributes.group == Group.STUDENT
    assert verified.certificate is not None
    assert verified.certificate.public_key == phone.public_key
    assert (verified.certificate.expires_at, verified.certificate.spend_limit_fen) == (
        now + 3600,
        2000,
    )
    again = verify_code(second, keyring, purpose=Purpose.RIDE, now=now + 31)
    assert again.nonce == verified.nonce + 1  # the device counter
    assert again.code_id != verified.code_id


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_every_tampered_byte_fails(
    mode: str, issuer: Issuer, keyring: Keyring, subject: Subject, phone: Device, now: int
) -> None:
    code = (
        issue_code(issuer, Purpose.RIDE, subject, now=now, attributes=Attributes(group=2))
        if mode == "online"
        else phone.make_code(now)
    )
    verify_code(code, keyring, purpose=Purpose.RIDE, now=now)  # and warms the certificate memo
    for index in range(len(code)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(code)
            tampered[index] ^= mask
            with pytest.raises(CodeRejected):
                verify_code(bytes(tampered), keyring, purpose=Purpose.RIDE, now=now)
    for cut in (1, 64, len(code) - 1):
        with pytest.raises(CodeRejected, match="malformed"):
            verify_code(code[:-cut], keyring, purpose=Purpose.RIDE, now=now)


def test_each_failure_has_its_own_reason(
    issuer: Issuer, keyring: Keyring, subject: Subject, phone: Device, now: int
) -> None:
    skew = DEFAULT_SKEW
    late = now + 86400 + skew  # the phone's certificate ends at now + 86400
    code = issue_code(issuer, Purpose.RIDE, subject, now=now)
    impostor = Issuer(issuer.kid, generate())  # same key id, another key
    retired = Keyring([dataclasses.replace(public(issuer), status=KeyStatus.RETIRED)])
    stranger = Keyring([public(Issuer(99, generate()))])
    revoked = Keyring([public(issuer)], [Revocation(subject, Purpose.RIDE)])
    revoked_all = Keyring([public(issuer)], [Revocation(subject)])
    forged_cert = Device(phone.signer)
    forged_cert.install(
        certify_device(
            impostor,
            Purpose.RIDE,
            subject,
            algorithm=phone.algorithm,
            public_key=phone.public_key,
            expires_at=now + 60,
            spend_limit_fen=0,
        )
    )
    outcomes = {
        "malformed": _reason(code[:-1], keyring, now),
        "unknown_key": _reason(code, stranger, now),
        "retired_key": _reason(code, retired, now),
        "bad_certificate": _reason(forged_cert.make_code(now), keyring, now),
        "certificate_expired": _reason(phone.make_code(late), keyring, late),
        "bad_signature": _reason(
            issue_code(impostor, Purpose.RIDE, subject, now=now), keyring, now
        ),
        "wrong_purpose": _reason(code, keyring, now, Purpose.CREDIT),
        "validity_too_long": _reason(phone.make_code(now, validity=3600), keyring, now),
        "not_yet_valid": _reason(code, keyring, now - skew - 1),
        "expired": _reason(code, keyring, now + 60 + skew),
        "revoked": _reason(code, revoked, now),
        "revoked-all": _reason(phone.make_code(now), revoked_all, now),
    }
    assert outcomes == {name: name.split("-")[0] for name in outcomes}
    assert set(MESSAGES) == {name.split("-")[0] for name in outcomes} | {"already_used"}


def test_clock_skew_edges(issuer: Issuer, keyring: Keyring, subject: Subject, now: int) -> None:
    code = issue_code(issuer, Purpose.RIDE, subject, now=now, validity=60)
    for at, skew in ((now - 5, 5), (now + 64, 5), (now, 0), (now + 59, 0)):
        verify_code(code, keyring, purpose=Purpose.RIDE, now=at, skew=skew)
    for at, skew, reason in (
        (now - 6, 5, "not_yet_valid"),
        (now + 65, 5, "expired"),
        (now + 60, 0, "expired"),
        (now - 1, 0, "not_yet_valid"),
    ):
        with pytest.raises(CodeRejected, match=reason):
            verify_code(code, keyring, purpose=Purpose.RIDE, now=at, skew=skew)


def test_revocation_for_another_purpose_does_not_block(
    issuer: Issuer, subject: Subject, now: int
) -> None:
    keyring = Keyring([public(issuer)], [Revocation(subject, Purpose.CREDIT)])
    code = issue_code(issuer, Purpose.RIDE, subject, now=now)
    verify_code(code, keyring, purpose=Purpose.RIDE, now=now)
    credit = issue_code(issuer, Purpose.CREDIT, subject, now=now)
    with pytest.raises(CodeRejected, match="revoked"):
        verify_code(credit, keyring, purpose=Purpose.CREDIT, now=now)


def test_rotation_keeps_yesterdays_certificates_until_retired(subject: Subject, now: int) -> None:
    old, new = Issuer(1, generate()), Issuer(2, generate())
    yesterday = now - 86400
    phone = Device.generate()
    phone.install(
        certify_device(
            old,
            Purpose.RIDE,
            subject,
            algorithm=phone.algorithm,
            public_key=phone.public_key,
            expires_at=yesterday + 3 * 86400,
            spend_limit_fen=5000,
        )
    )
    old_online = issue_code(old, Purpose.RIDE, subject, now=now - 10)
    rotated = Keyring([public(old, KeyStatus.RETIRING), public(new)])
    assert rotated.active is not None
    assert rotated.active.kid == 2
    assert verify_code(phone.make_code(now), rotated, purpose=Purpose.RIDE, now=now).kid == 1
    verify_code(old_online, rotated, purpose=Purpose.RIDE, now=now)
    verify_code(
        issue_code(new, Purpose.RIDE, subject, now=now), rotated, purpose=Purpose.RIDE, now=now
    )
    retired = Keyring([public(old, KeyStatus.RETIRED), public(new)])
    with pytest.raises(CodeRejected, match="retired_key"):
        verify_code(phone.make_code(now), retired, purpose=Purpose.RIDE, now=now)


def test_certificate_memo_still_checks_expiry_and_purpose(
    issuer: Issuer, keyring: Keyring, phone: Device, now: int
) -> None:
    verify_code(phone.make_code(now), keyring, purpose=Purpose.RIDE, now=now)
    later = now + 86400 + DEFAULT_SKEW
    with pytest.raises(CodeRejected, match="certificate_expired"):
        verify_code(phone.make_code(later), keyring, purpose=Purpose.RIDE, now=later)
    with pytest.raises(CodeRejected, match="wrong_purpose"):
        verify_code(phone.make_code(now), keyring, purpose=Purpose.CONSENT, now=now)


def test_rejection_is_the_library_s_own_bilingual_error() -> None:
    error = CodeRejected("expired", "at 12:00")
    assert isinstance(error, ValueError)
    assert not isinstance(error, DomainError)
    assert (str(error), error.reason, error.detail) == ("expired", "expired", "at 12:00")
    assert (error.message_zh, error.message_en) == MESSAGES["expired"]
    with pytest.raises(KeyError):
        CodeRejected("not_a_reason")
    for reason, (zh, en) in MESSAGES.items():
        assert en.isascii(), reason
        assert not zh.isascii(), reason


@pytest.mark.parametrize("reason", sorted(MESSAGES))
def test_the_server_maps_every_reason_to_a_400_problem(reason: str) -> None:
    problem = code_rejected(CodeRejected(reason))
    assert isinstance(problem, InvalidInput)  # HTTP 400
    assert (problem.code, problem.message_zh, problem.message_en) == (reason, *MESSAGES[reason])
    assert problem.detail == MESSAGES[reason][1]
