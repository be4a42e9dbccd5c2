"""One frozen, typed settings object, built from the environment once at start-up.

The variables are read and checked by pydantic-settings (the ``_*Variables`` models below, one
field per variable); a value that does not parse is refused with a message naming the variable,
the value and what is allowed. ``Settings`` itself stays a plain frozen dataclass: what the rest
of the code reads.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

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


# --- Reading the environment -------------------------------------------------------------------


class _Mapping(EnvSettingsSource):
    """pydantic-settings' environment source over one mapping (``os.environ`` or a test's)."""

    def __init__(
        self, settings_cls: type[BaseSettings], environ: Mapping[str, str], prefix: str
    ) -> None:
        self._environ = environ
        super().__init__(settings_cls, env_prefix=prefix)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


class _Variables(BaseSettings):
    """Variables named exactly as the fields (after a prefix); an empty one counts as unset."""

    model_config = SettingsConfigDict(
        case_sensitive=True,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        validate_default=False,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what ``_read`` hands over: the mapping given to Settings.from_env, never a
        # second, implicit read of the process environment or a .env file.
        return (init_settings,)


_V = TypeVar("_V", bound=_Variables)
_T = TypeVar("_T")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("not an http(s) address")
    return raw.rstrip("/")


def _scheme(*schemes: str) -> AfterValidator:
    def check(raw: str) -> str:
        if urlsplit(raw).scheme not in schemes:
            raise ValueError("unknown scheme")
        return raw

    return AfterValidator(check)


def _redis_url(raw: str) -> str:
    from palm.redis_url import parse  # redis is imported only when a URL is given

    parse(raw)
    return raw


_BOOL = "1 or 0 (also true/false, yes/no, on/off)"
_RATE = r"^\d+/[1-9]\d*$"
Flag = Annotated[bool | None, Field(description=_BOOL)]
Count = Annotated[int, Field(ge=0, description="a whole number, 0 or more")]
Port = Annotated[int, Field(ge=0, le=65535, description="a port number, 0-65535")]
MaybePort = Annotated[Port | None, Field(description="a port number, 0-65535")]
Rate = Annotated[str | None, Field(pattern=_RATE, description="requests/seconds, e.g. 300/60")]


class _AppVariables(_Variables):
    """The variables without a platform's, the rate limits' or the medical service's prefix."""

    PALM_ENV: Annotated[
        Environment | None, BeforeValidator(_lower), Field(description="development or production")
    ] = None
    HOST: str = "127.0.0.1"
    PORT: Port = 8080
    DATABASE_URL: Annotated[
        str,
        _scheme("postgres", "postgresql", "sqlite"),
        Field(description="postgres://user:password@host:port/name or sqlite://path"),
    ] = "sqlite://var/palm.sqlite3"
    PALM_DB_POOL: Annotated[
        int, Field(gt=0, le=1000, description="connections, a whole number from 1 to 1000")
    ] = 20
    REDIS_URL: Annotated[
        str | None,
        AfterValidator(_redis_url),
        Field(
            description="redis://host:port/db (or rediss://, unix://), "
            "redis+sentinel://host:port[,host:port]/service_name[/db] "
            "or redis+cluster://host:port[,host:port]"
        ),
    ] = None
    PALM_SECRET_KEYS: str | None = None
    PALM_SECRET_KEYS_FILE: Path | None = None
    PALM_WECHAT_TOKEN: str = f"{PLACEHOLDER_PREFIX}wechat-token"
    PALM_WECHAT_AES_KEY: str | None = None
    PALM_WECHAT_CALLBACK_MODE: Annotated[
        CallbackMode, BeforeValidator(_lower), Field(description="safe, compatible or plain")
    ] = "safe"
    PALM_SIMULATORS_PORT: Port = 8090
    PALM_MAX_BODY_BYTES: Annotated[int, Field(gt=0, description="bytes, a whole number")] = (
        1024 * 1024
    )
    PALM_SESSION_TTL: Annotated[int, Field(gt=0, description="seconds, a whole number")] = 7200
    PALM_DATA_DIR: Path = Path("var")
    PALM_RUN_WORKER: Flag = True
    PALM_RUN_SCHEDULER: Flag = True
    PALM_AUTO_MIGRATE: Flag = None  # None: on in development only
    PALM_SEED_DEMO: Flag = None
    PALM_LOG_LEVEL: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        BeforeValidator(_upper),
        Field(description="DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ] = "INFO"
    PALM_LOG_FORMAT: Annotated[
        Literal["json", "text"], BeforeValidator(_lower), Field(description="json or text")
    ] = "json"
    PALM_LOG_FLUSH_MS: Annotated[
        int, Field(ge=0, le=10_000, description="milliseconds, 0 to 10000 (0: every line at once)")
    ] = 200
    PALM_PUBLIC_URL: Annotated[
        str | None,
        AfterValidator(_http_url),
        Field(description="an http(s) address without query, e.g. https://palm.example.gov.cn"),
    ] = None
    PALM_METRICS_PORT: MaybePort = None
    PALM_METRICS_HOST: str = "127.0.0.1"
    PALM_METRICS_TOKEN: str | None = None


class _PlatformVariables(_Variables):
    """PALM_<PLATFORM>_URL, _APP_ID, _SECRET and _TIMEOUT."""

    URL: str = EMBEDDED
    APP_ID: str | None = None
    SECRET: str | None = None
    TIMEOUT: Annotated[
        float,
        Field(gt=0, allow_inf_nan=False, description="seconds, a number above 0 (e.g. 5 or 2.5)"),
    ] = 5.0


class _RateVariables(_Variables):
    """PALM_RATE_<NAME>: requests/seconds."""

    IP: Rate = None
    RESIDENT: Rate = None
    DEVICE: Rate = None
    LOGIN: Rate = None
    REAL_NAME: Rate = None
    EVIDENCE: Rate = None


class _MedicalVariables(_Variables):
    """PALM_MEDICAL_<NAME>: cache ages, the circuit breaker, consent codes."""

    FRESH_SECONDS: Count = 60
    KEEP_SECONDS: Count = 900
    BREAKER_FAILURES: Count = 5
    BREAKER_COOLDOWN: Count = 30
    CONSENT_SECONDS: Count = 600


_HIDDEN = ("SECRET", "SECRET_KEYS", "TOKEN", "AES_KEY")  # values never echoed in a refusal


def _shown(name: str, value: object) -> str:
    if name.endswith(_HIDDEN):
        return "(hidden)"
    text = str(value)
    parts = urlsplit(text)
    if parts.password:  # a database or Redis URL: keep the password out of logs
        text = text.replace(f":{parts.password}@", ":***@", 1)
    return repr(text)


class _Refusals:
    """Reads each group of variables, collecting every refusal to report them all at once."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def read(self, cls: type[_V], prefix: str = "") -> _V:
        try:
            return cls(**_Mapping(cls, self.environ, prefix)())
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0])
                allowed = cls.model_fields[name].description or error["msg"]
                variable = prefix + name
                value = self.environ.get(variable, error["input"])  # as given, not normalised
                self.problems.append(
                    f"{variable}={_shown(variable, value)} is refused: expected {allowed}"
                )
            # The defaults, so that the other groups are still read and reported.
            return cls.model_construct()  # type: ignore[return-value]

    def check(self, call: Callable[..., _T], *args: Any) -> _T | None:
        """``call(*args)``, its SettingsError collected (then None)."""
        try:
            return call(*args)
        except SettingsError as exc:
            self.problems.append(str(exc))
            return None

    def raise_any(self) -> None:
        if self.problems:
            raise SettingsError("; ".join(self.problems))


def _platform(name: str, variables: _PlatformVariables) -> Platform:
    return Platform(
        name=name,
        base_url=variables.URL.rstrip("/"),
        app_id=variables.APP_ID or PLATFORM_APP_IDS[name],
        secret=variables.SECRET or f"{PLACEHOLDER_PREFIX}{name}-secret",
        timeout=variables.TIMEOUT,
    )


def _default(name: str) -> Platform:
    return _platform(name, _PlatformVariables())


# --- The settings ------------------------------------------------------------------------------


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
        read = _Refusals(env)
        limits = cls.from_variables(read.read(_RateVariables, "PALM_RATE_"))
        read.raise_any()
        return limits

    @classmethod
    def from_variables(cls, variables: _RateVariables) -> RateLimits:
        values = {}
        for name in ("ip", "resident", "device", "login", "real_name", "evidence"):
            if raw := getattr(variables, name.upper()):
                count, _, seconds = raw.partition("/")
                values[name] = Limit(int(count), int(seconds))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment = "production"
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite://var/palm.sqlite3"
    # PostgreSQL connections per process (asyncpg's pool; a ``maxsize`` in the URL wins).
    db_pool: int = 20
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
    log_flush_seconds: float = 0.2  # palm serve buffers log lines up to this long (0: none)
    # Where platforms call us back (WeChat Pay's notify_url, 12345 pushes); None: where we listen.
    public_url: str | None = None
    metrics_port: int | None = None  # a listener of its own for /metrics; None: none
    metrics_host: str = "127.0.0.1"
    metrics_token: str | None = None  # with it, /metrics on the API port asks for this bearer
    metrics_dir: Path | None = None  # every worker's metrics, added up (set by palm serve)
    shared_ports: bool = False  # palm serve --workers: each child binds the same ports
    announce: bool = False  # print the table of addresses once serving (palm serve)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (the process environment by default) and check them."""
        env = os.environ if environ is None else environ
        read = _Refusals(env)
        app = read.read(_AppVariables)
        platforms = {
            name: _platform(name, read.read(_PlatformVariables, f"PALM_{name.upper()}_"))
            for name in PLATFORM_APP_IDS
        }
        rates = read.read(_RateVariables, "PALM_RATE_")
        medical = read.read(_MedicalVariables, "PALM_MEDICAL_")
        mode: Environment = app.PALM_ENV or _implied_mode(env)
        dev = mode == "development"
        keys_text = app.PALM_SECRET_KEYS
        if keys_text is None and app.PALM_SECRET_KEYS_FILE:
            keys_text = read.check(_read_key_file, app.PALM_SECRET_KEYS_FILE)
        secret_keys = read.check(_parse_keys, keys_text) if keys_text else None
        wechat_aes_key = read.check(_aes_key, app.PALM_WECHAT_AES_KEY)
        wechatpay_keys = read.check(_wechatpay_keys, env, platforms["wechatpay"])
        read.raise_any()
        settings = cls(
            env=mode,
            host=app.HOST,
            port=app.PORT,
            database_url=app.DATABASE_URL,
            db_pool=app.PALM_DB_POOL,
            redis_url=app.REDIS_URL,
            secret_keys=secret_keys or (("dev1", _dev_key("dev1")),),
            **platforms,  # type: ignore[arg-type]
            wechatpay_keys=wechatpay_keys or development_keys(platforms["wechatpay"]),
            wechat_token=app.PALM_WECHAT_TOKEN,
            wechat_aes_key=wechat_aes_key or _dev_aes_key(),
            wechat_callback_mode=app.PALM_WECHAT_CALLBACK_MODE,
            simulators_port=app.PALM_SIMULATORS_PORT,
            max_body_bytes=app.PALM_MAX_BODY_BYTES,
            session_ttl_seconds=app.PALM_SESSION_TTL,
            rate_limits=RateLimits.from_variables(rates),
            data_dir=app.PALM_DATA_DIR,
            medical=MedicalConfig(
                fresh_seconds=medical.FRESH_SECONDS,
                keep_seconds=medical.KEEP_SECONDS,
                breaker_failures=medical.BREAKER_FAILURES,
                breaker_cooldown=medical.BREAKER_COOLDOWN,
                consent_seconds=medical.CONSENT_SECONDS,
            ),
            run_worker=_on(app.PALM_RUN_WORKER, True),
            run_scheduler=_on(app.PALM_RUN_SCHEDULER, True),
            auto_migrate=_on(app.PALM_AUTO_MIGRATE, dev),
            seed_demo=_on(app.PALM_SEED_DEMO, dev),
            log_level=app.PALM_LOG_LEVEL,
            log_json=app.PALM_LOG_FORMAT == "json",
            log_flush_seconds=app.PALM_LOG_FLUSH_MS / 1000,
            public_url=app.PALM_PUBLIC_URL,
            metrics_port=app.PALM_METRICS_PORT,
            metrics_host=app.PALM_METRICS_HOST,
            metrics_token=app.PALM_METRICS_TOKEN,
        )
        settings.check()
        _embedded_packages(settings)
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


def _implied_mode(env: Mapping[str, str]) -> Environment:
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


def _on(flag: bool | None, default: bool) -> bool:
    return default if flag is None else flag


def _read_key_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(
            f"PALM_SECRET_KEYS_FILE={str(path)!r} cannot be read: {exc.strerror}"
        ) from None


# The zero-setup default's stand-ins, left out of a production install (the `embedded` extra).
_EMBEDDED_PACKAGES = {"REDIS_URL": ("fakeredis", "lupa"), "DATABASE_URL": ("aiosqlite",)}


def _embedded_packages(settings: Settings) -> None:
    """Refuse to start on the embedded default when its packages are not installed."""
    wanted = {
        "REDIS_URL": settings.redis_url is None,
        "DATABASE_URL": settings.database_url.startswith("sqlite:"),
    }
    problems = []
    for variable, needed in wanted.items():
        missing = [
            name for name in _EMBEDDED_PACKAGES[variable] if needed and not _importable(name)
        ]
        if missing:
            uses = "the in-process cache" if variable == "REDIS_URL" else "SQLite"
            problems.append(
                f"{variable} {'is unset' if variable == 'REDIS_URL' else 'names SQLite'}, and "
                f"{uses} needs {' and '.join(missing)}, which this install lacks"
            )
    if problems:
        raise SettingsError(
            "; ".join(problems) + ": set REDIS_URL=redis://host:port/db and "
            "DATABASE_URL=postgres://user:password@host:port/name, or install the embedded "
            "default's packages (pip install 'weihai-palm[embedded]'; make run does)"
        )


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
