"""Both key types behind one interface: 64-byte raw signatures, keys as bytes."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from codes.signing import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    Algorithm,
    _der_to_raw,
    _raw_to_der,
    generate,
    load_signer,
    load_verifier,
)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_sign_verify_and_reload(algorithm: Algorithm) -> None:
    signer = generate(algorithm)
    signature = signer.sign(b"message")
    assert len(signature) == SIGNATURE_SIZE
    assert len(signer.public_bytes()) == PUBLIC_KEY_SIZE[algorithm]
    verifier = load_verifier(algorithm, signer.public_bytes())
    assert verifier.verify(signature, b"message")
    assert not verifier.verify(signature, b"messagE")
    assert not verifier.verify(signature[:-1] + bytes([signature[-1] ^ 1]), b"message")
    assert not verifier.verify(signature[:32], b"message")
    reloaded = load_signer(algorithm, signer.private_bytes())
    assert reloaded.public_bytes() == signer.public_bytes()
    assert verifier.verify(reloaded.sign(b"again"), b"again")
    assert not load_verifier(algorithm, generate(algorithm).public_bytes()).verify(
        signature, b"message"
    )


def test_p256_signature_is_raw_r_then_s() -> None:
    """Other verifiers (and SM2-shaped readers) take r‖s: check against OpenSSL's DER."""
    signer = generate(Algorithm.P256)
    key = ec.derive_private_key(int.from_bytes(signer.private_bytes(), "big"), ec.SECP256R1())
    raw = signer.sign(b"m")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    key.public_key().verify(encode_dss_signature(r, s), b"m", ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(key.sign(b"m", ec.ECDSA(hashes.SHA256())))
    assert signer.verifier().verify(r.to_bytes(32, "big") + s.to_bytes(32, "big"), b"m")


@pytest.mark.parametrize(
    ("r", "s"),
    [(1, 2), (2**255 + 1, 2**200), (2**248 - 1, 2**256 - 1), (0x80, 0x7F << 248)],
    ids=["tiny", "high-bit-and-short", "leading-zero-byte", "sign-bits"],
)
def test_der_conversion_keeps_32_byte_halves(r: int, s: int) -> None:
    """Integers with leading zero bytes or a high bit are where hand-written DER goes wrong."""
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert _raw_to_der(raw) == encode_dss_signature(r, s)
    assert _der_to_raw(encode_dss_signature(r, s)) == raw


def test_bad_keys_are_refused() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (cryptography's own message)
        load_verifier(Algorithm.P256, b"\x02" + b"\xff" * 32)
    with pytest.raises(ValueError, match="unknown key algorithm"):
        load_verifier(4, bytes(33))
    with pytest.raises(ValueError, match="32 bytes"):
        load_signer(Algorithm.ED25519, bytes(31))
    assert Algorithm.from_label("ed25519") is Algorithm.ED25519
    with pytest.raises(ValueError, match="unknown key algorithm"):
        Algorithm.from_label("rsa")
