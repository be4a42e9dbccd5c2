"""Settings come from the environment once; placeholders are refused outside development."""

from __future__ import annotations

import base64

import pytest

from palm.settings import PLATFORM_APP_IDS, Settings, SettingsError

KEY = base64.b64encode(b"k" * 32).decode()
PROD = {
    "PALM_ENV": "production",
    "PALM_SECRET_KEYS": f"k1:{KEY}",
    **{f"PALM_{name.upper()}_URL": f"https://{name}.example.invalid" for name in PLATFORM_APP_IDS},
    **{f"PALM_{name.upper()}_SECRET": f"real-{name}-secret" for name in PLATFORM_APP_IDS},
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


def test_production_with_real_values() -> None:
    settings = Settings.from_env(PROD)
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
