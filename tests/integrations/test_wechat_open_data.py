"""Relatives log in, and the legacy getPhoneNumber button's encryptedData under the session key."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import InvalidAppIdException

from integrations.simworld import PEOPLE, RELATIVES, openid_for, unionid_for
from integrations.wechat import EncryptedDataError, WeChatClient, decrypt_phone_number
from integrations.wechat.crypto import decrypt_open_data, encrypt_open_data
from integrations.wechat.sim.server import create_simulator
from tests.integrations.conftest import WECHAT, Serve, Sim


@pytest.fixture
async def sim(serve: Serve) -> Sim:
    return await serve(create_simulator(WECHAT), WECHAT)


@pytest.fixture
def wechat(sim: Sim) -> WeChatClient:
    return WeChatClient(sim.session, sim.platform)


def aes_decrypt(session_key: str, encrypted_data: str, iv: str) -> Any:
    """Decrypt as the documentation describes it, independently of integrations.wechat.crypto."""
    key, raw_iv = base64.b64decode(session_key), base64.b64decode(iv)
    assert len(key) == len(raw_iv) == 16
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw_iv)).decryptor()
    padded = decryptor.update(base64.b64decode(encrypted_data)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(padded) + unpadder.finalize())


@pytest.mark.parametrize("key", sorted(RELATIVES))
async def test_relatives_log_in_with_demo_codes(wechat: WeChatClient, key: str) -> None:
    session = await wechat.code_to_session(f"demo-{key}")
    assert session.openid == openid_for(WECHAT.app_id, key)
    assert session.unionid == unionid_for(key)


async def test_minted_code_and_phone_code_for_a_relative(wechat: WeChatClient, sim: Sim) -> None:
    minted = await sim.control("/_sim/codes", {"persona": "parent_mother"})
    assert (await wechat.code_to_session(minted["code"])).openid == minted["openid"]
    token = (await wechat.fetch_access_token()).token
    phone_code = await sim.control("/_sim/phone-codes", {"persona": "parent_mother"})
    info = await wechat.get_phone_number(token, phone_code["code"])
    assert info.pure_phone_number == PEOPLE["parent_mother"].phone
    # The child has no phone of its own to share.
    assert await sim.refused("/_sim/phone-codes", {"persona": "parent_child"}) == 400


async def login(wechat: WeChatClient, key: str) -> tuple[str, str]:
    session = await wechat.code_to_session(f"demo-{key}")
    return session.openid, session.session_key


async def test_encrypted_phone_decrypts_under_the_session_key(
    wechat: WeChatClient, sim: Sim
) -> None:
    openid, session_key = await login(wechat, "elder")
    given = await sim.control("/_sim/encrypted-data", {"openid": openid})
    assert set(given) == {"encrypted_data", "iv"}
    assert len(base64.b64decode(given["iv"])) == 16
    data = aes_decrypt(session_key, given["encrypted_data"], given["iv"])
    phone = PEOPLE["elder"].phone
    assert data["phoneNumber"] == data["purePhoneNumber"] == phone
    assert data["countryCode"] == "86"
    assert data["watermark"]["appid"] == WECHAT.app_id
    assert abs(data["watermark"]["timestamp"] - time.time()) < 5
    assert set(data) == {"phoneNumber", "purePhoneNumber", "countryCode", "watermark"}
    info = decrypt_phone_number(session_key, given["encrypted_data"], given["iv"], WECHAT.app_id)
    assert info.pure_phone_number == phone
    assert info.watermark is not None
    assert info.watermark.appid == WECHAT.app_id
    # wechatpy's decryptor reads the same bytes: what a real button gives.
    wxa = WeChatWxaCrypto(session_key, given["iv"], WECHAT.app_id)
    assert wxa.decrypt_message(given["encrypted_data"]) == data


async def test_iv_is_fresh_each_time(wechat: WeChatClient, sim: Sim) -> None:
    openid, _ = await login(wechat, "resident")
    first = await sim.control("/_sim/encrypted-data", {"openid": openid})
    second = await sim.control("/_sim/encrypted-data", {"openid": openid})
    assert first["iv"] != second["iv"]
    assert first["encrypted_data"] != second["encrypted_data"]


async def test_only_the_latest_session_key_decrypts(wechat: WeChatClient, sim: Sim) -> None:
    openid, old_key = await login(wechat, "resident")
    _, new_key = await login(wechat, "resident")
    given = await sim.control("/_sim/encrypted-data", {"openid": openid})
    assert decrypt_open_data(new_key, given["encrypted_data"], given["iv"])["phoneNumber"]
    with pytest.raises(EncryptedDataError):
        decrypt_open_data(old_key, given["encrypted_data"], given["iv"])


async def test_phone_and_persona_override(wechat: WeChatClient, sim: Sim) -> None:
    openid, key = await login(wechat, "parent")
    for extra, phone in (
        ({}, PEOPLE["parent"].phone),
        ({"phone": "13900001111"}, "13900001111"),
        ({"persona": "parent_mother"}, PEOPLE["parent_mother"].phone),
    ):
        given = await sim.control("/_sim/encrypted-data", {"openid": openid, **extra})
        assert aes_decrypt(key, given["encrypted_data"], given["iv"])["purePhoneNumber"] == phone


async def test_forged_watermark_is_refused(wechat: WeChatClient, sim: Sim) -> None:
    openid, key = await login(wechat, "talent")
    body = {"openid": openid, "appid": "wx-someone-else"}
    given = await sim.control("/_sim/encrypted-data", body)
    encrypted, iv = given["encrypted_data"], given["iv"]
    assert decrypt_open_data(key, encrypted, iv)["watermark"]["appid"] == "wx-someone-else"
    with pytest.raises(EncryptedDataError, match="another app"):
        decrypt_phone_number(key, encrypted, iv, WECHAT.app_id)
    with pytest.raises(InvalidAppIdException):
        WeChatWxaCrypto(key, iv, WECHAT.app_id).decrypt_message(encrypted)


async def test_no_session_no_encrypted_data(wechat: WeChatClient, sim: Sim) -> None:
    never_logged_in = openid_for(WECHAT.app_id, "elder")
    assert await sim.refused("/_sim/encrypted-data", {"openid": never_logged_in}) == 409
    assert await sim.refused("/_sim/encrypted-data", {"persona": "elder"}) == 400


async def test_a_stranger_must_be_given_a_phone(wechat: WeChatClient, sim: Sim) -> None:
    minted = await sim.control("/_sim/codes", {"openid": "oNewUser0000000000000000000A"})
    session = await wechat.code_to_session(minted["code"])
    body = {"openid": session.openid}
    assert await sim.refused("/_sim/encrypted-data", body) == 400
    given = await sim.control("/_sim/encrypted-data", {**body, "phone": "13900002222"})
    info = decrypt_phone_number(
        session.session_key, given["encrypted_data"], given["iv"], WECHAT.app_id
    )
    assert info.phone_number == "13900002222"


KEY = base64.b64encode(bytes(range(16))).decode()


@pytest.mark.parametrize(
    ("session_key", "encrypted_data", "iv"),
    [
        (KEY, "not base64!", base64.b64encode(b"\0" * 16).decode()),
        (KEY, base64.b64encode(b"\0" * 16).decode(), base64.b64encode(b"short").decode()),
        (base64.b64encode(b"k" * 15).decode(), base64.b64encode(b"\0" * 16).decode(), KEY),
        (KEY, base64.b64encode(b"\0" * 17).decode(), KEY),
    ],
)
def test_garbage_is_an_encrypted_data_error(session_key: str, encrypted_data: str, iv: str) -> None:
    with pytest.raises(EncryptedDataError):
        decrypt_open_data(session_key, encrypted_data, iv)


def test_round_trip_and_non_phone_data() -> None:
    encrypted, iv = encrypt_open_data(KEY, {"nickName": "威海"})
    assert decrypt_open_data(KEY, encrypted, iv) == {"nickName": "威海"}
    with pytest.raises(EncryptedDataError, match="not a phone number"):
        decrypt_phone_number(KEY, encrypted, iv, WECHAT.app_id)
    encrypted, iv = encrypt_open_data(KEY, {"phoneNumber": "13900001111"})  # no watermark
    with pytest.raises(EncryptedDataError):
        decrypt_phone_number(KEY, encrypted, iv, WECHAT.app_id)


async def test_unknown_persona_is_refused(wechat: WeChatClient, sim: Sim) -> None:
    openid, _ = await login(wechat, "parent")
    assert await sim.refused("/_sim/encrypted-data", {"openid": openid, "persona": "x"}) == 400
