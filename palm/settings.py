"""One frozen, typed settings object, built from the environment once at start-up."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from integrations.base import EMBEDDED, PLACEHOLDER_PREFIX, Platform
from integrations.wechatpay.keys import WeChatPayKeys, development_keys
from services.medical.config import MedicalConfig
from services.ratelimit import Limit

Environment = Literal["development", "production"]
CallbackMode = Literal["safe", "compatible", "plain"]


class SettingsError(ValueError):
    """The environment does not describe a configuration we are willing to run."""


def _platform(env: Mapping[str, str], name: str, prefix: str, app_id: str) -> Platform:
    return Platform(
        name=name,
        base_url=env.get(f"{prefix}_URL", EMBEDDED).rstrip("/"),
        app_id=env.get(f"{prefix}_APP_ID", app_id),
        secret=env.get(f"{prefix}_SECRET", f"{PLACEHOLDER_PREFIX}{name}-secret"),
        timeout=float(env.get(f"{prefix}_TIMEOUT", "5")),
    )


# Every outside platform, with the app id (or merchant id) it issued us by default.
PLATFORM_APP_IDS = {
    "wechat": "wx-demo-appid",
    "aishandong": "palm-weihai",
    "talent": "palm-weihai",
    "credit": "palm-weihai",
    "health": "palm-weihai",
    "hotline": "palm-weihai",
    "wechatpay": "1900000109",  # the merchant id (mchid)
}


def _from_env(env: Mapping[str, str], name: str) -> Platform:
    return _platform(env, name, f"PALM_{name.upper()}", PLATFORM_APP_IDS[name])


def _default(name: str) -> Platform:
    return _from_env({}, name)


def _dev_key(kid: str) -> bytes:
    # Deterministic so a development database stays readable across restarts; refused in
    # production by Settings.check().
    return hashlib.sha256(f"{PLACEHOLDER_PREFIX}{kid}".encode()).digest()


def _dev_aes_key() -> str:
    # An EncodingAESKey is 43 base64 characters (32 bytes without the trailing "=").
    raw = hashlib.sha256(f"{PLACEHOLDER_PREFIX}wechat-aes".encode()).digest()
    return base64.b64encode(raw).decode().rstrip("=")


def _aes_key(text: str | None) -> str:
    """PALM_WECHAT_AES_KEY, checked to be an EncodingAESKey; the development one when unset."""
    if not text:
        return _dev_aes_key()
    try:
        valid = len(text) == 43 and len(base64.b64decode(text + "=", validate=True)) == 32
    except ValueError:
        valid = False
    if not valid:
        raise SettingsError("PALM_WECHAT_AES_KEY must be 43 base64 characters (EncodingAESKey)")
    return text


def _callback_mode(text: str | None) -> CallbackMode:
    """PALM_WECHAT_CALLBACK_MODE: safe (the default), compatible or plain."""
    mode = text or "safe"
    if mode not in ("safe", "compatible", "plain"):
        raise SettingsError("PALM_WECHAT_CALLBACK_MODE must be safe, compatible or plain")
    return mode  # type: ignore[return-value]


def _parse_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    """Parse ``kid:base64key[,kid:base64key...]``; the first key encrypts, all decrypt."""
    keys: list[tuple[str, bytes]] = []
    for item in filter(None, (part.strip() for part in text.replace("\n", ",").split(","))):
        kid, sep, b64 = item.partition(":")
        if not sep or not kid.isalnum() or len(kid) > 16:
            raise SettingsError("PALM_SECRET_KEYS entries look like kid:base64key (kid alnum)")
        try:
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise SettingsError(f"secret key {kid!r} is not valid base64") from exc
        if len(raw) != 32:
            raise SettingsError(f"secret key {kid!r} must be 32 bytes, got {len(raw)}")
        keys.append((kid, raw))
    if not keys:
        raise SettingsError("PALM_SECRET_KEYS is empty")
    if len({kid for kid, _ in keys}) != len(keys):
        raise SettingsError("PALM_SECRET_KEYS repeats a key id")
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests allowed per window. Per-IP limits are generous: mobile carriers share IPs."""

    ip: Limit = Limit(1200, 60)
    resident: Limit = Limit(300, 60)
    device: Limit = Limit(600, 60)
    login: Limit = Limit(60, 60)  # per IP
    real_name: Limit = Limit(10, 3600)  # per resident: each attempt costs a platform check
    evidence: Limit = Limit(20, 3600)  # per resident: each image costs ~0.8 s of CPU to clean

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RateLimits:
        values = {}
        for name in ("ip", "resident", "device", "login", "real_name", "evidence"):
            raw = env.get(f"PALM_RATE_{name.upper()}")
            if raw:
                count, _, seconds = raw.partition("/")
                if not (count.isdigit() and seconds.isdigit() and int(seconds) > 0):
                    raise SettingsError(f"PALM_RATE_{name.upper()} looks like 300/60")
                values[name] = Limit(int(count), int(seconds))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment = "production"
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite://var/palm.sqlite3"
    redis_url: str | None = None
    secret_keys: tuple[tuple[str, bytes], ...] = field(
        default_factory=lambda: (("dev1", _dev_key("dev1")),)
    )
    wechat: Platform = field(default_factory=lambda: _default("wechat"))
    aishandong: Platform = field(default_factory=lambda: _default("aishandong"))
    talent: Platform = field(default_factory=lambda: _default("talent"))
    credit: Platform = field(default_factory=lambda: _default("credit"))
    health: Platform = field(default_factory=lambda: _default("health"))
    hotline: Platform = field(default_factory=lambda: _default("hotline"))
    wechatpay: Platform = field(default_factory=lambda: _default("wechatpay"))
    wechatpay_keys: WeChatPayKeys = field(
        default_factory=lambda: development_keys(_default("wechatpay"))
    )
    # The chat bot's message push (服务器配置): Token and EncodingAESKey, set in the WeChat console.
    wechat_token: str = f"{PLACEHOLDER_PREFIX}wechat-token"
    wechat_aes_key: str = field(default_factory=_dev_aes_key)
    # The console's 消息加解密方式: only "plain" accepts pushes whose body is not signed.
    wechat_callback_mode: CallbackMode = "safe"
    simulators_host: str = "127.0.0.1"
    simulators_port: int = 8090
    max_body_bytes: int = 1024 * 1024
    session_ttl_seconds: int = 2 * 3600
    rate_limits: RateLimits = field(default_factory=RateLimits)
    data_dir: Path = Path("var")
    medical: MedicalConfig = field(default_factory=MedicalConfig)
    run_worker: bool = True  # run the job receiver inside this process
    run_scheduler: bool = True  # fire cron jobs from this process (runs are claimed in Redis)
    auto_migrate: bool = True
    seed_demo: bool = False
    log_level: str = "INFO"
    log_json: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (the process environment by default) and check them."""
        env = os.environ if environ is None else environ
        mode = env.get("PALM_ENV", "production")
        if mode not in ("development", "production"):
            raise SettingsError("PALM_ENV must be 'development' or 'production'")
        dev = mode == "development"
        keys_text = env.get("PALM_SECRET_KEYS")
        if keys_text is None and (key_file := env.get("PALM_SECRET_KEYS_FILE")):
            keys_text = Path(key_file).read_text(encoding="utf-8")
        settings = cls(
            env=mode,  # type: ignore[arg-type]
            host=env.get("HOST", "127.0.0.1"),
            port=_int(env, "PORT", 8080),
            database_url=env.get("DATABASE_URL", "sqlite://var/palm.sqlite3"),
            redis_url=env.get("REDIS_URL") or None,
            secret_keys=_parse_keys(keys_text) if keys_text else (("dev1", _dev_key("dev1")),),
            wechat=_from_env(env, "wechat"),
            aishandong=_from_env(env, "aishandong"),
            talent=_from_env(env, "talent"),
            credit=_from_env(env, "credit"),
            health=_from_env(env, "health"),
            hotline=_from_env(env, "hotline"),
            wechatpay=_from_env(env, "wechatpay"),
            wechatpay_keys=_wechatpay_keys(env, _from_env(env, "wechatpay")),
            wechat_token=env.get("PALM_WECHAT_TOKEN") or f"{PLACEHOLDER_PREFIX}wechat-token",
            wechat_aes_key=_aes_key(env.get("PALM_WECHAT_AES_KEY")),
            wechat_callback_mode=_callback_mode(env.get("PALM_WECHAT_CALLBACK_MODE")),
            simulators_port=_int(env, "PALM_SIMULATORS_PORT", 8090),
            max_body_bytes=_int(env, "PALM_MAX_BODY_BYTES", 1024 * 1024),
            session_ttl_seconds=_int(env, "PALM_SESSION_TTL", 2 * 3600),
            rate_limits=RateLimits.from_env(env),
            data_dir=Path(env.get("PALM_DATA_DIR", "var")),
            medical=MedicalConfig(
                fresh_seconds=_int(env, "PALM_MEDICAL_FRESH_SECONDS", 60),
                keep_seconds=_int(env, "PALM_MEDICAL_KEEP_SECONDS", 900),
                breaker_failures=_int(env, "PALM_MEDICAL_BREAKER_FAILURES", 5),
                breaker_cooldown=_int(env, "PALM_MEDICAL_BREAKER_COOLDOWN", 30),
                consent_seconds=_int(env, "PALM_MEDICAL_CONSENT_SECONDS", 600),
            ),
            run_worker=env.get("PALM_RUN_WORKER", "1") == "1",
            run_scheduler=env.get("PALM_RUN_SCHEDULER", "1") == "1",
            auto_migrate=env.get("PALM_AUTO_MIGRATE", "1" if dev else "0") == "1",
            seed_demo=env.get("PALM_SEED_DEMO", "1" if dev else "0") == "1",
            log_level=env.get("PALM_LOG_LEVEL", "INFO").upper(),
            log_json=env.get("PALM_LOG_FORMAT", "json") == "json",
        )
        settings.check()
        return settings

    @property
    def platforms(self) -> tuple[Platform, ...]:
        return tuple(getattr(self, name) for name in PLATFORM_APP_IDS)

    @property
    def development(self) -> bool:
        return self.env == "development"

    def check(self) -> None:
        """Refuse placeholder secrets and simulators outside development."""
        if self.development:
            return
        problems = [f"{p.name}: placeholder secret" for p in self.platforms if p.placeholder]
        problems += [f"{p.name}: URL left at the simulator" for p in self.platforms if p.embedded]
        if self.wechatpay_keys.derived:
            problems.append("wechatpay: development keys (set PALM_WECHATPAY_PRIVATE_KEY_FILE…)")
        if self.wechat_token.startswith(PLACEHOLDER_PREFIX):
            problems.append("PALM_WECHAT_TOKEN: placeholder")
        if self.wechat_aes_key == _dev_aes_key():
            problems.append("PALM_WECHAT_AES_KEY: development key")
        if any(key == _dev_key(kid) for kid, key in self.secret_keys):
            problems.append("PALM_SECRET_KEYS: development key")
        if problems:
            raise SettingsError(
                "refusing to start with PALM_ENV=production: "
                + "; ".join(problems)
                + " (set them, or PALM_ENV=development for a local run)"
            )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the CLI use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


_WECHATPAY_KEYS = (
    "PALM_WECHATPAY_PRIVATE_KEY_FILE",  # the merchant API key (PEM)
    "PALM_WECHATPAY_CERT_SERIAL",  # its certificate's serial number
    "PALM_WECHATPAY_API_V3_KEY",  # 32 characters: decrypts callbacks
    "PALM_WECHATPAY_PLATFORM_PUBLIC_KEY_FILE",  # WeChat Pay's public key (PEM)
    "PALM_WECHATPAY_PLATFORM_SERIAL",  # its id, e.g. PUB_KEY_ID_…
)


def _wechatpay_keys(env: Mapping[str, str], platform: Platform) -> WeChatPayKeys:
    """Merchant credentials from the environment; derived ones while none are given."""
    given = [name for name in _WECHATPAY_KEYS if env.get(name)]
    if not given:
        return development_keys(platform)
    if len(given) != len(_WECHATPAY_KEYS):
        raise SettingsError("set all of " + ", ".join(_WECHATPAY_KEYS) + " or none")
    if platform.embedded:
        raise SettingsError("the WeChat Pay simulator uses derived keys: unset PALM_WECHATPAY_*")
    try:
        return WeChatPayKeys(
            merchant_private_key=Path(env[_WECHATPAY_KEYS[0]]).read_text(encoding="utf-8"),
            merchant_serial=env[_WECHATPAY_KEYS[1]],
            api_v3_key=env[_WECHATPAY_KEYS[2]],
            platform_public_key=Path(env[_WECHATPAY_KEYS[3]]).read_text(encoding="utf-8"),
            platform_serial=env[_WECHATPAY_KEYS[4]],
        )
    except (OSError, ValueError) as exc:
        raise SettingsError(f"WeChat Pay credentials: {exc}") from None
