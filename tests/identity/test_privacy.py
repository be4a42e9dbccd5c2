"""Field encryption with key ids, rotation, keyed hashes and masking."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from services.privacy import FieldCipher, mask_id_number, mask_name, mask_phone, mask_text

OLD = ("k1", b"\x01" * 32)
NEW = ("k2", b"\x02" * 32)


def test_round_trip_and_key_id_in_ciphertext() -> None:
    cipher = FieldCipher((OLD,))
    token = cipher.encrypt("371002199001011234", field="id_number")
    assert token.startswith("v1.k1.")
    assert "371002199001011234" not in token
    assert cipher.decrypt(token, field="id_number") == "371002199001011234"
    assert cipher.encrypt("x", field="f") != cipher.encrypt("x", field="f")  # random nonce


def test_rotation_keeps_old_ciphertexts_and_hashes() -> None:
    old = FieldCipher((OLD,))
    token, digest = old.encrypt("13812345678", field="phone"), old.lookup_hash("a", field="f")
    rotated = FieldCipher((NEW, OLD))
    assert rotated.decrypt(token, field="phone") == "13812345678"
    assert rotated.encrypt("y", field="phone").startswith("v1.k2.")
    assert rotated.lookup_hash("a", field="f") == digest


def test_field_binding_and_tampering_fail() -> None:
    cipher = FieldCipher((OLD,))
    token = cipher.encrypt("secret", field="name")
    with pytest.raises(InvalidTag):
        cipher.decrypt(token, field="phone")
    with pytest.raises(ValueError, match="key id"):
        FieldCipher((NEW,)).decrypt(token, field="name")


def test_masks() -> None:
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("371002199001011234") == "3****************4"
    text = mask_text("call +86 13812345678 about 37100219900101123X, Bearer abc.def-ghi_123")
    assert "13812345678" not in text
    assert "37100219900101123X" not in text
    assert "abc.def-ghi_123" not in text
