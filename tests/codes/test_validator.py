"""An offline validator accepts a code once, and forgets codes that can no longer verify."""

from __future__ import annotations

import pytest

from codes.device import Device
from codes.errors import CodeRejected
from codes.fields import Purpose, Subject
from codes.issue import Issuer, issue_code
from codes.keyring import Keyring, Revocation
from codes.validator import OfflineValidator
from tests.codes.conftest import public


def test_second_scan_of_one_code_is_refused(phone: Device, keyring: Keyring, now: int) -> None:
    validator = OfflineValidator(keyring)
    code = phone.make_code(now)
    validator.check(code, now)
    with pytest.raises(CodeRejected, match="already_used"):
        validator.check(code, now + 1)
    validator.check(phone.make_code(now + 2), now + 2)  # the next code from the same phone


def test_seen_set_is_pruned(issuer: Issuer, keyring: Keyring, subject: Subject, now: int) -> None:
    validator = OfflineValidator(keyring, skew=0)
    for i in range(50):
        validator.check(issue_code(issuer, Purpose.RIDE, subject, now=now + i), now + i)
    assert len(validator) == 50
    validator.check(issue_code(issuer, Purpose.RIDE, subject, now=now + 100), now + 100)
    assert len(validator) < 50


def test_keyring_update_applies_revocations(
    issuer: Issuer, keyring: Keyring, subject: Subject, phone: Device, now: int
) -> None:
    validator = OfflineValidator(keyring)
    validator.check(phone.make_code(now), now)
    validator.update(Keyring([public(issuer)], [Revocation(subject, Purpose.RIDE)], version=2))
    with pytest.raises(CodeRejected, match="revoked"):
        validator.check(phone.make_code(now + 1), now + 1)
