"""One frozen, typed settings object, built from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from integrations.base import EMBEDDED, PLACEHOLDER_PREFIX, Platform
from integrations.wechatpay.keys import WeChatPayKeys, development_keys
from palm.settings_secrets import (
    SettingsError,
    _aes_key,
    _dev_aes_key,
    _dev_key,
    _parse_keys,
    _wechatpay_keys,
)
from services.medical.config import MedicalConfig
from services.ratelimit import Limit

Environment = Literal["development", "production"]
CallbackMode = Literal["safe", "compatible", "plain"]
__all__ = ["PLATFORM_APP_IDS", "RateLimits", "Settings", "SettingsError"]


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


def _callback_mode(text: str | None) -> CallbackMode:
    """PALM_WECHAT_CALLBACK_MODE: safe (the default), compatible or plain."""
    mode = text or "safe"
    if mode not in ("safe", "compatible", "plain"):
        raise SettingsError("PALM_WECHAT_CALLBACK_MODE must be safe, compatible or plain")
    return mode  # type: ignore[return-value]


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
    # Where platforms call us back (WeChat Pay's notify_url, 12345 pushes); None: where we listen.
    public_url: str | None = None
    metrics_port: int | None = None  # a listener of its own for /metrics; None: none
    metrics_host: str = "127.0.0.1"
    metrics_token: str | None = None  # with it, /metrics on the API port asks for this bearer
    shared_ports: bool = False  # palm serve --workers: each child binds the same ports
    announce: bool = False  # print the table of addresses once serving (palm serve)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (the process environment by default) and check them."""
        env = os.environ if environ is None else environ
        mode = env.get("PALM_ENV") or _implied_mode(env)
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
            public_url=_public_url(env.get("PALM_PUBLIC_URL")),
            metrics_port=_port(env, "PALM_METRICS_PORT"),
            metrics_host=env.get("PALM_METRICS_HOST", "127.0.0.1"),
            metrics_token=env.get("PALM_METRICS_TOKEN") or None,
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
        if not (self.public_url or "").startswith("https://"):
            problems.append("PALM_PUBLIC_URL: not an https:// address (WeChat Pay calls it)")
        if problems:
            raise SettingsError(
                "refusing to start in production mode (PALM_ENV=production, the default once "
                "DATABASE_URL, REDIS_URL or a secret is set): "
                + "; ".join(problems)
                + " (set them, or PALM_ENV=development for a local run)"
            )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the CLI use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]


# Set only by a real deployment: their presence means "production unless PALM_ENV says not".
_DEPLOYMENT = ("DATABASE_URL", "REDIS_URL", "PALM_SECRET_KEYS", "PALM_SECRET_KEYS_FILE",
               "PALM_WECHAT_TOKEN", "PALM_WECHAT_AES_KEY", "PALM_PUBLIC_URL")  # fmt: skip


def _implied_mode(env: Mapping[str, str]) -> str:
    """PALM_ENV unset: development for the embedded default (a fresh clone), else production.

    Nothing but a local run leaves every platform, secret and store at its default, and
    production would refuse that configuration anyway; anything a deployment sets keeps the
    safe default, production, which refuses placeholders.
    """
    prefixes = tuple(f"PALM_{name.upper()}_" for name in PLATFORM_APP_IDS)
    deployed = any(env.get(name) for name in _DEPLOYMENT) or any(
        value and name.startswith(prefixes) and not name.endswith("_TIMEOUT")
        for name, value in env.items()
    )
    return "production" if deployed else "development"


def _public_url(raw: str | None) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError("PALM_PUBLIC_URL looks like https://palm.example.gov.cn (no query)")
    return raw.rstrip("/")


def _port(env: Mapping[str, str], name: str) -> int | None:
    """A TCP port (0: any free one), or None when unset."""
    if not env.get(name):
        return None
    port = _int(env, name, 0)
    if not 0 <= port <= 65535:
        raise SettingsError(f"{name} must be a port number (0-65535)")
    return port


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
