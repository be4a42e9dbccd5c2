"""The phone's side: it signs its own codes under the issuer's certificate."""

from __future__ import annotations

import pytest

from codes.device import Device
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.issue import Issuer, certify_device
from codes.keyring import Keyring
from codes.signing import Algorithm
from codes.verify import verify_code


def test_phone_refuses_a_certificate_for_another_key(phone: Device) -> None:
    other = Device.generate()
    assert phone.certificate is not None
    with pytest.raises(ValueError, match="another device key"):
        other.install(phone.certificate)
    with pytest.raises(RuntimeError, match="no certificate"):
        other.make_code(0)


def test_a_stolen_certificate_is_useless_without_the_key(
    phone: Device, keyring: Keyring, now: int
) -> None:
    thief = Device(Device.generate().signer, certificate=phone.certificate)
    with pytest.raises(CodeRejected, match="bad_signature"):
        verify_code(thief.make_code(now), keyring, purpose=Purpose.RIDE, now=now)


def test_counter_increases_and_wraps(issuer: Issuer, subject: Subject, now: int) -> None:
    phone = Device.generate()
    phone.install(
        certify_device(
            issuer,
            Purpose.RIDE,
            subject,
            algorithm=phone.algorithm,
            public_key=phone.public_key,
            expires_at=now + 60,
            spend_limit_fen=0,
        )
    )
    phone.counter = 0xFFFFFFFE
    phone.make_code(now)
    assert phone.counter == 0xFFFFFFFF
    phone.make_code(now)
    assert phone.counter == 0


def test_server_refuses_to_certify_a_key_that_is_not_one(issuer: Issuer, subject: Subject) -> None:
    for algorithm, key in ((Algorithm.P256, b"\x02" + b"\xff" * 32), (Algorithm.P256, bytes(32))):
        with pytest.raises(ValueError):  # noqa: PT011 (cryptography's message)
            certify_device(
                issuer,
                Purpose.RIDE,
                subject,
                algorithm=algorithm,
                public_key=key,
                expires_at=1,
                spend_limit_fen=0,
            )
