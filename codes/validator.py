"""An offline validator's loop: verify against the downloaded keyring, refuse local repeats.

A bus validator has no network while it runs, so single use is enforced twice: here, against
the codes this reader has seen while they could still verify, and again on the server when
the taps are uploaded (it claims each code again, with a retention), which catches a code
shown to two readers.
"""

from __future__ import annotations

from codes.errors import CodeRejected
from codes.fields import Purpose
from codes.keyring import Keyring
from codes.verify import DEFAULT_SKEW, VerifiedCode, verify_code


class OfflineValidator:
    """One reader: its keyring, its purpose, and the codes it accepted that are still live."""

    def __init__(
        self, keyring: Keyring, *, purpose: Purpose = Purpose.RIDE, skew: int = DEFAULT_SKEW
    ) -> None:
        self.keyring = keyring
        self.purpose = purpose
        self.skew = skew
        self._seen: dict[bytes, int] = {}  # code id -> when it stops verifying anyway
        self._next_prune = 0

    def update(self, keyring: Keyring) -> None:
        """Use a newer keyring (already checked with ``document.open_document``)."""
        self.keyring = keyring

    def check(self, code: bytes, now: int) -> VerifiedCode:
        """Verify a scanned code and remember it; raises CodeRejected, already_used included."""
        verified = verify_code(code, self.keyring, purpose=self.purpose, now=now, skew=self.skew)
        if now >= self._next_prune:
            self._prune(now)
        code_id = verified.code_id
        if code_id in self._seen:
            raise CodeRejected("already_used")
        self._seen[code_id] = verified.expires_at + self.skew
        return verified

    def _prune(self, now: int) -> None:
        # An expired code fails verification before reaching the seen set, so forgetting it
        # loses nothing and keeps memory bounded by the codes live at one moment.
        self._seen = {code_id: end for code_id, end in self._seen.items() if end > now}
        self._next_prune = now + 60

    def __len__(self) -> int:
        return len(self._seen)
