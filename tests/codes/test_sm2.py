"""SM2 (algorithm 3): ride codes through the engine, tampering, and interoperability with gmssl.

gmssl is an independent pure-Python SM2/SM3 (a dev dependency): it computes Z with the GM/T
0003 default user id "1234567812345678" and signs SM3(Z ‖ message) as raw r‖s in hex, which is
what a Chinese transit reader expects. Our signatures must verify there, and its here.
"""

from __future__ import annotations

import pytest
from gmssl import sm2 as gmssl_sm2  # type: ignore[import-untyped]
from gmssl import sm3  # type: ignore[import-untyped]
from tongsuopy.crypto import serialization
from tongsuopy.crypto.asymciphers import ec

from codes.device import Device
from codes.errors import CodeRejected
from codes.fields import Attributes, Group, Purpose, Subject
from codes.issue import Issuer, certify_device, issue_code
from codes.keyring import Keyring
from codes.signing import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, Algorithm, generate, load_verifier
from codes.verify import verify_code
from tests.codes.conftest import public


def _gmssl(private: bytes, public_key: bytes) -> gmssl_sm2.CryptSM2:
    """gmssl's signer for our key: it wants hex private d and the uncompressed x ‖ y."""
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), public_key).public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    crypt = gmssl_sm2.CryptSM2(private_key=private.hex(), public_key=point[1:].hex())
    # gmssl 3.2.2 strips a "04" prefix with str.lstrip, which also eats a leading 0 or 4 of x.
    crypt.public_key = point[1:].hex()
    return crypt


@pytest.fixture
def sm2_issuer() -> Issuer:
    return Issuer(9, generate(Algorithm.SM2))


def test_sm2_key_and_signature_shape(sm2_issuer: Issuer) -> None:
    signer = sm2_issuer.signer
    assert Algorithm.from_label("sm2") is Algorithm.SM2 == 3
    assert len(signer.public_bytes()) == PUBLIC_KEY_SIZE[Algorithm.SM2] == 33
    assert signer.public_bytes()[0] in (2, 3)  # SEC1 compressed, like P-256
    assert len(signer.sign(b"m")) == SIGNATURE_SIZE


def test_online_ride_code_round_trip_and_tampering(
    sm2_issuer: Issuer, subject: Subject, now: int
) -> None:
    keyring = Keyring([public(sm2_issuer)], version=1)
    attrs = Attributes(group=Group.SENIOR_HALF)
    code = issue_code(sm2_issuer, Purpose.RIDE, subject, now=now, attributes=attrs)
    verified = verify_code(code, keyring, purpose=Purpose.RIDE, now=now + 5)
    assert (verified.subject, verified.kid, verified.attributes) == (subject, 9, attrs)
    for position in (0 + 3, len(code) - SIGNATURE_SIZE - 1, len(code) - 1):
        tampered = bytearray(code)
        tampered[position] ^= 0x01
        with pytest.raises(CodeRejected):
            verify_code(bytes(tampered), keyring, purpose=Purpose.RIDE, now=now + 5)
    other = Keyring([public(Issuer(9, generate(Algorithm.SM2)))], version=1)
    with pytest.raises(CodeRejected) as caught:
        verify_code(code, other, purpose=Purpose.RIDE, now=now + 5)
    assert caught.value.reason == "bad_signature"


def test_offline_ride_code_with_sm2_issuer_and_sm2_phone(
    sm2_issuer: Issuer, subject: Subject, now: int
) -> None:
    phone = Device.generate(Algorithm.SM2)
    phone.install(
        certify_device(
            sm2_issuer,
            Purpose.RIDE,
            subject,
            algorithm=phone.algorithm,
            public_key=phone.public_key,
            expires_at=now + 86400,
            spend_limit_fen=2000,
        )
    )
    keyring = Keyring([public(sm2_issuer)], version=1)
    code = phone.make_code(now)
    verified = verify_code(code, keyring, purpose=Purpose.RIDE, now=now + 1)
    assert verified.offline
    assert verified.subject == subject
    forged = code[:-1] + bytes([code[-1] ^ 0x80])
    with pytest.raises(CodeRejected) as caught:
        verify_code(forged, keyring, purpose=Purpose.RIDE, now=now + 1)
    assert caught.value.reason == "bad_signature"


def test_gmssl_verifies_our_signatures(sm2_issuer: Issuer, subject: Subject, now: int) -> None:
    signer = sm2_issuer.signer
    theirs = _gmssl(signer.private_bytes(), signer.public_bytes())
    code = issue_code(sm2_issuer, Purpose.RIDE, subject, now=now)
    message, signature = code[:-SIGNATURE_SIZE], code[-SIGNATURE_SIZE:]
    assert theirs.verify_with_sm3(signature.hex(), message)
    assert not theirs.verify_with_sm3(signature.hex(), message + b"x")
    for text in (b"", b"abc", bytes(range(256))):
        assert theirs.verify_with_sm3(signer.sign(text).hex(), text)


def test_we_verify_gmssl_signatures(sm2_issuer: Issuer, subject: Subject, now: int) -> None:
    """A code whose issuer signature gmssl made verifies through our keyring."""
    signer = sm2_issuer.signer
    theirs = _gmssl(signer.private_bytes(), signer.public_bytes())
    ours = load_verifier(Algorithm.SM2, signer.public_bytes())
    for text in (b"", b"abc", bytes(range(256))):
        signature = bytes.fromhex(theirs.sign_with_sm3(text))
        assert len(signature) == SIGNATURE_SIZE
        assert ours.verify(signature, text)
        assert not ours.verify(signature, text + b"x")
    unsigned = issue_code(sm2_issuer, Purpose.RIDE, subject, now=now)[:-SIGNATURE_SIZE]
    code = unsigned + bytes.fromhex(theirs.sign_with_sm3(unsigned))
    keyring = Keyring([public(sm2_issuer)], version=1)
    assert verify_code(code, keyring, purpose=Purpose.RIDE, now=now).subject == subject


def test_malformed_sm2_signatures_are_refused_not_raised(sm2_issuer: Issuer) -> None:
    verifier = sm2_issuer.signer.verifier()
    n = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
    for bad in (bytes(64), b"\xff" * 64, n.to_bytes(32, "big") * 2, b"\x01" * 63):
        assert not verifier.verify(bad, b"m")
    with pytest.raises(ValueError):  # noqa: PT011 (tongsuopy's own message)
        load_verifier(Algorithm.SM2, b"\x02" + b"\xff" * 32)


# GM/T 0003.5-2012 Annex A.2 (also GB/T 32918.5-2017): the recommended curve, the default user
# id, message "message digest", and the random k that makes the example's r ‖ s.
_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
_X = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
_Y = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"


def test_gmt_0003_5_example() -> None:
    """Both implementations reproduce the standard's example, so both use the default id."""
    from codes.signing import load_signer

    signer = load_signer(Algorithm.SM2, bytes.fromhex(_D))
    y_odd = int(_Y, 16) & 1
    assert signer.public_bytes() == bytes((2 + y_odd,)) + bytes.fromhex(_X)
    signature = bytes.fromhex(_R + _S)
    message = b"message digest"
    ours = load_verifier(Algorithm.SM2, signer.public_bytes())
    assert ours.verify(signature, message)
    assert not ours.verify(signature, b"message digesT")
    # gmssl computes Z and e in the open: check them, then its signature with the example's k.
    theirs = gmssl_sm2.CryptSM2(private_key=_D.lower(), public_key=(_X + _Y).lower())
    curve = theirs.ecc_table
    entl_id = "0080" + b"1234567812345678".hex()  # ENTL: the id's length in bits, then the id
    z = entl_id + curve["a"] + curve["b"] + curve["g"] + (_X + _Y).lower()
    assert sm3.sm3_hash(list(bytes.fromhex(z))).upper() == _Z
    assert theirs._sm3_z(message).upper() == _E  # e = SM3(Z ‖ M)
    assert theirs.sign_with_sm3(message, _K.lower()).upper() == _R + _S
    # Our signatures of the example message verify there (tongsuopy's k is random).
    assert theirs.verify_with_sm3(signer.sign(message).hex(), message)
