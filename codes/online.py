"""Online mode: short-lived codes the server signs for a phone to show.

Spending them once is the server's part (``services.codes.claims``): it needs shared storage.
"""

from __future__ import annotations

from dataclasses import dataclass

from codes import text
from codes.fields import Attributes, Purpose, Subject
from codes.issue import ONLINE_VALIDITY, REFRESH_SECONDS, Issuer, issue_code

_NO_ATTRIBUTES = Attributes()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code for the mini-program to show, and when to fetch the next one."""

    code: bytes
    issued_at: int
    expires_at: int
    refresh_at: int

    @property
    def text(self) -> str:
        """The QR payload (base45, QR alphanumeric mode)."""
        return text.encode(self.code)


def issue_online(
    issuer: Issuer,
    purpose: Purpose,
    subject: Subject,
    *,
    now: int,
    attributes: Attributes = _NO_ATTRIBUTES,
    validity: int = ONLINE_VALIDITY,
    refresh: int = REFRESH_SECONDS,
) -> IssuedCode:
    """Sign an online code valid ``validity`` s from ``now``, to be replaced after ``refresh`` s."""
    code = issue_code(issuer, purpose, subject, now=now, validity=validity, attributes=attributes)
    return IssuedCode(code, now, now + validity, now + min(refresh, validity))
