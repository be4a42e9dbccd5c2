"""Secrets in the settings: encryption keys, the bot's EncodingAESKey, WeChat Pay credentials."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path

from integrations.base import PLACEHOLDER_PREFIX, Platform
from integrations.wechatpay.keys import WeChatPayKeys, development_keys


class SettingsError(ValueError):
    """The environment does not describe a configuration we are willing to run."""


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
