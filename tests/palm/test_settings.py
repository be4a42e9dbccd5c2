"""Settings come from the environment once; placeholders are refused outside development."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from palm.settings import PLATFORM_APP_IDS, Settings, SettingsError

KEY = base64.b64encode(b"k" * 32).decode()
PROD = {
    "PALM_ENV": "production",
    "PALM_SECRET_KEYS": f"k1:{KEY}",
    **{f"PALM_{name.upper()}_URL": f"https://{name}.example.invalid" for name in PLATFORM_APP_IDS},
    **{f"PALM_{name.upper()}_SECRET": f"real-{name}-secret" for name in PLATFORM_APP_IDS},
    "PALM_WECHAT_TOKEN": "a-real-callback-token",
    "PALM_WECHAT_AES_KEY": base64.b64encode(b"a" * 32).decode().rstrip("="),
    "PALM_PUBLIC_URL": "https://palm.example.invalid",
}


def test_defaults_are_embedded_in_development() -> None:
    settings = Settings.from_env({"PALM_ENV": "development"})
    assert settings.port == 8080
    assert settings.database_url.startswith("sqlite://")
    assert settings.redis_url is None
    assert settings.wechat.embedded
    assert settings.aishandong.embedded
    assert settings.auto_migrate
    assert settings.seed_demo


def test_port_and_urls_from_environment() -> None:
    settings = Settings.from_env(
        {"PALM_ENV": "development", "PORT": "9000", "REDIS_URL": "redis://r:6379/2"}
    )
    assert settings.port == 9000
    assert settings.redis_url == "redis://r:6379/2"


def test_production_refuses_placeholders() -> None:
    with pytest.raises(SettingsError, match="placeholder secret"):
        Settings.from_env({"PALM_ENV": "production"})
    with pytest.raises(SettingsError, match="development key"):
        Settings.from_env({k: v for k, v in PROD.items() if k != "PALM_SECRET_KEYS"})
    with pytest.raises(SettingsError, match="simulator"):
        Settings.from_env({k: v for k, v in PROD.items() if k != "PALM_WECHAT_URL"})


def _wechatpay_files(tmp_path: Path) -> dict[str, str]:
    merchant, platform = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                          for _ in range(2))  # fmt: skip
    (tmp_path / "merchant.pem").write_bytes(
        merchant.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    (tmp_path / "platform.pem").write_bytes(
        platform.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return {
        "PALM_WECHATPAY_PRIVATE_KEY_FILE": str(tmp_path / "merchant.pem"),
        "PALM_WECHATPAY_CERT_SERIAL": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "PALM_WECHATPAY_API_V3_KEY": "k" * 32,
        "PALM_WECHATPAY_PLATFORM_PUBLIC_KEY_FILE": str(tmp_path / "platform.pem"),
        "PALM_WECHATPAY_PLATFORM_SERIAL": "PUB_KEY_ID_0114232134912410000000000000",
    }


def test_production_refuses_derived_wechatpay_keys() -> None:
    with pytest.raises(SettingsError, match="wechatpay: development keys"):
        Settings.from_env(PROD)


def test_production_with_real_values(tmp_path: Path) -> None:
    settings = Settings.from_env({**PROD, **_wechatpay_files(tmp_path)})
    assert settings.env == "production"
    assert not settings.seed_demo
    assert settings.secret_keys == (("k1", b"k" * 32),)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PALM_ENV", "staging"),
        ("PORT", "eighty"),
        ("PALM_SECRET_KEYS", "k1:short"),
        ("PALM_SECRET_KEYS", f"k1:{KEY},k1:{KEY}"),
    ],
)
def test_invalid_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"PALM_ENV": "development", name: value})


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({"PALM_ENV": "development"})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
