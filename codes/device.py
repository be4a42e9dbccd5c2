"""The phone's side of offline codes: a device key, its certificate, and codes it signs itself.

The mini-program does this in JavaScript; this module is the reference the tests play the
phone with, and what docs/codes.md describes.
"""

from __future__ import annotations

from codes.format import parse_certificate, tail
from codes.issue import ONLINE_VALIDITY
from codes.signing import Algorithm, Signer, generate


class Device:
    """A resident's phone holding a device key, the issuer's certificate and a counter."""

    def __init__(self, signer: Signer, certificate: bytes | None = None, counter: int = 0) -> None:
        self.signer = signer
        self.certificate = certificate
        self.counter = counter

    @classmethod
    def generate(cls, algorithm: Algorithm = Algorithm.P256) -> Device:
        """A phone with a fresh key pair (the private key never leaves it)."""
        return cls(generate(algorithm))

    @property
    def algorithm(self) -> Algorithm:
        return self.signer.algorithm

    @property
    def public_key(self) -> bytes:
        """The public key to register with the server."""
        return self.signer.public_bytes()

    def install(self, certificate: bytes) -> None:
        """Keep the server's certificate; refuses one made for another key."""
        algorithm, public_key = parse_certificate(certificate)
        if algorithm != self.algorithm or public_key != self.public_key:
            raise ValueError("certificate is for another device key")
        self.certificate = certificate

    def make_code(self, now: int, validity: int = ONLINE_VALIDITY) -> bytes:
        """An offline code: certificate, issued-at, validity, counter, device signature."""
        if self.certificate is None:
            raise RuntimeError("no certificate installed")
        self.counter = (self.counter + 1) & 0xFFFFFFFF
        message = self.certificate + tail(now, validity, self.counter)
        return message + self.signer.sign(message)
