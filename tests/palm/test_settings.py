"""Settings come from the environment once; placeholders are refused outside development."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
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
from services.ratelimit import Limit

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


DEV = {"PALM_ENV": "development"}


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True),
     ("0", False), ("false", False), ("False", False), ("no", False), ("off", False)],
)  # fmt: skip
def test_switches_take_the_usual_spellings(value: str, on: bool) -> None:
    # PALM_RUN_WORKER=true used to mean off: only "1" counted as on.
    for name, attribute in (("PALM_RUN_WORKER", "run_worker"), ("PALM_SEED_DEMO", "seed_demo")):
        assert getattr(Settings.from_env({**DEV, name: value}), attribute) is on


def test_choices_are_read_whatever_their_case() -> None:
    # PALM_LOG_FORMAT=JSON used to give text lines.
    assert Settings.from_env({**DEV, "PALM_LOG_FORMAT": "JSON"}).log_json
    assert not Settings.from_env({**DEV, "PALM_LOG_FORMAT": "Text"}).log_json
    assert Settings.from_env({**DEV, "PALM_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert Settings.from_env({"PALM_ENV": "Development"}).env == "development"
    chosen = Settings.from_env({**DEV, "PALM_WECHAT_CALLBACK_MODE": "Plain"})
    assert chosen.wechat_callback_mode == "plain"


def test_numbers_and_addresses_are_typed() -> None:
    settings = Settings.from_env(
        {**DEV, "PALM_WECHAT_TIMEOUT": "2.5", "PALM_METRICS_PORT": "0", "PALM_RATE_IP": "5/1",
         "PALM_MEDICAL_KEEP_SECONDS": "30", "PALM_PUBLIC_URL": "https://palm.example.invalid/",
         "PALM_RUN_SCHEDULER": ""}  # empty: as if unset
    )  # fmt: skip
    assert settings.wechat.timeout == 2.5
    assert settings.aishandong.timeout == 5.0
    assert settings.metrics_port == 0
    assert settings.rate_limits.ip == Limit(5, 1)
    assert settings.medical.keep_seconds == 30
    assert settings.public_url == "https://palm.example.invalid"
    assert settings.run_scheduler is True


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("PALM_WECHAT_TIMEOUT", "5s", "seconds, a number above 0"),
        ("PALM_HEALTH_TIMEOUT", "0", "seconds, a number above 0"),
        ("PALM_WECHATPAY_TIMEOUT", "inf", "seconds, a number above 0"),
        ("PALM_RUN_WORKER", "maybe", "1 or 0 (also true/false, yes/no, on/off)"),
        ("PALM_AUTO_MIGRATE", "2", "1 or 0"),
        ("PALM_LOG_FORMAT", "xml", "json or text"),
        ("PALM_LOG_LEVEL", "verbose", "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("PALM_ENV", "staging", "development or production"),
        ("PALM_WECHAT_CALLBACK_MODE", "raw", "safe, compatible or plain"),
        ("PORT", "eighty", "a port number, 0-65535"),
        ("PALM_METRICS_PORT", "70000", "a port number, 0-65535"),
        ("PALM_MAX_BODY_BYTES", "1MB", "bytes"),
        ("PALM_SESSION_TTL", "-5", "seconds"),
        ("PALM_RATE_LOGIN", "60", "requests/seconds, e.g. 300/60"),
        ("PALM_RATE_IP", "60/0", "requests/seconds"),
        ("PALM_MEDICAL_BREAKER_FAILURES", "-1", "a whole number, 0 or more"),
        ("PALM_PUBLIC_URL", "palm.example.invalid", "an http(s) address"),
        ("REDIS_URL", "http://127.0.0.1:6379", "redis://host:port/db"),
        ("DATABASE_URL", "mysql://127.0.0.1/palm", "postgres://"),
    ],
)
def test_a_refusal_names_the_variable_its_value_and_what_is_allowed(
    name: str, value: str, allowed: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**DEV, name: value})
    message = str(refused.value)
    assert f"{name}={value!r} is refused: expected {allowed}" in message, message


def test_every_refusal_is_reported_at_once_and_secrets_are_not_echoed() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(
            {**DEV, "PORT": "x", "PALM_CREDIT_TIMEOUT": "5s",
             "DATABASE_URL": "mysql://palm:hunter2@db/palm"}
        )  # fmt: skip
    message = str(refused.value)
    assert "PORT='x'" in message
    assert "PALM_CREDIT_TIMEOUT='5s'" in message
    assert "DATABASE_URL='mysql://palm:***@db/palm'" in message
    assert "hunter2" not in message


def test_an_unreadable_key_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "keys"
    with pytest.raises(SettingsError, match=r"PALM_SECRET_KEYS_FILE=.* cannot be read"):
        Settings.from_env({**DEV, "PALM_SECRET_KEYS_FILE": str(missing)})
    missing.write_text(f"k1:{KEY}\n")
    settings = Settings.from_env({**DEV, "PALM_SECRET_KEYS_FILE": str(missing)})
    assert settings.secret_keys == (("k1", b"k" * 32),)


def test_the_settings_read_only_the_mapping_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALM_ENV", "development")  # the suite may run with DATABASE_URL set
    monkeypatch.setenv("PALM_RUN_WORKER", "0")
    monkeypatch.setenv("PORT", "9999")
    settings = Settings.from_env(DEV)
    assert settings.run_worker is True
    assert settings.port == 8080
    assert Settings.from_env().port == 9999


def _palm(env: dict[str, str], *args: str, blocked: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run the palm command in a fresh interpreter, with ``blocked`` modules not importable."""
    script = (
        "import sys\n"
        f"for name in {blocked!r}:\n"
        "    sys.modules[name] = None  # import raises ImportError, as if not installed\n"
        "from palm.cli import main\n"
        f"main({list(args)!r})\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


def _environment(**values: str) -> dict[str, str]:
    ours = ("PALM_", "DATABASE_URL", "REDIS_URL", "HOST", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return {**env, "PALM_ENV": "development", **values}


def test_the_palm_command_refuses_a_bad_value_in_one_line() -> None:
    status, out = _palm(_environment(PALM_WECHAT_TIMEOUT="5s"), "migrate")
    assert status == 2, out
    assert "Traceback" not in out, out
    assert "palm: PALM_WECHAT_TIMEOUT='5s' is refused: expected seconds, a number above 0" in out, (
        out
    )


EMBEDDED = ("fakeredis", "lupa", "aiosqlite")


def test_without_the_embedded_packages_the_default_is_refused() -> None:
    status, out = _palm(_environment(), "migrate", blocked=EMBEDDED)
    assert status == 2, out
    assert "Traceback" not in out, out
    assert "REDIS_URL is unset" in out, out
    assert "fakeredis and lupa" in out, out
    assert "DATABASE_URL names SQLite" in out, out
    assert "aiosqlite" in out, out
    assert "weihai-palm[embedded]" in out, out


def test_without_the_embedded_packages_postgres_and_redis_still_serve() -> None:
    # The settings load (no refusal) and `palm migrate` gets past them to the database: here an
    # address where nothing listens, so it fails on the connection, not on a missing package.
    env = _environment(
        REDIS_URL="redis://127.0.0.1:1/0", DATABASE_URL="postgres://nobody@127.0.0.1:1/palm_test"
    )
    status, out = _palm(env, "migrate", blocked=EMBEDDED)
    assert status != 0
    assert "embedded" not in out, out
    assert "fakeredis" not in out, out
    assert "aiosqlite" not in out, out
