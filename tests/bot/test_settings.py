"""The callback's settings: EncodingAESKey checked, development placeholders refused."""

from __future__ import annotations

import base64

import pytest

from palm.settings import Settings, SettingsError


def _production(**extra: str) -> dict[str, str]:
    return {"PALM_ENV": "production", **extra}


def test_development_placeholders_are_refused_in_production() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(_production())
    assert "PALM_WECHAT_TOKEN" in str(refused.value)
    assert "PALM_WECHAT_AES_KEY" in str(refused.value)
    key = base64.b64encode(bytes(range(32))).decode().rstrip("=")
    with pytest.raises(SettingsError) as still:
        Settings.from_env(_production(PALM_WECHAT_TOKEN="t0ken", PALM_WECHAT_AES_KEY=key))
    assert "PALM_WECHAT_TOKEN" not in str(still.value)  # other placeholders remain, not ours
    assert "PALM_WECHAT_AES_KEY" not in str(still.value)


def test_the_aes_key_must_be_an_encoding_aes_key() -> None:
    for bad in ("short", "!" * 43, base64.b64encode(bytes(32)).decode()):  # "=" kept: 44
        with pytest.raises(SettingsError, match="PALM_WECHAT_AES_KEY"):
            Settings.from_env({"PALM_ENV": "development", "PALM_WECHAT_AES_KEY": bad})
    key = base64.b64encode(bytes(range(32))).decode().rstrip("=")
    dev = Settings.from_env({"PALM_ENV": "development", "PALM_WECHAT_AES_KEY": key})
    assert dev.wechat_aes_key == key


def test_the_callback_mode_is_safe_unless_set() -> None:
    dev = {"PALM_ENV": "development"}
    assert Settings.from_env(dev).wechat_callback_mode == "safe"
    for mode in ("safe", "compatible", "plain"):
        chosen = Settings.from_env({**dev, "PALM_WECHAT_CALLBACK_MODE": mode})
        assert chosen.wechat_callback_mode == mode
    with pytest.raises(SettingsError, match="PALM_WECHAT_CALLBACK_MODE"):
        Settings.from_env({**dev, "PALM_WECHAT_CALLBACK_MODE": "raw"})
