"""Settings read from environment variables; see .env.example for each one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("development", "test", "production")
INSECURE_SECRETS = {"", "dev", "change-me", "secret"}
ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """Raised when the environment describes an unsafe or impossible configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _positive(env: dict, name: str, default, parse=None):
    value = (parse or _int)(env, name, default)
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value!r}")
    return value


def _non_negative(env: dict, name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {value!r}")
    return value


def _float(env: dict, name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _choice(env: dict, name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {choices}, got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Every setting of the backend, validated once at start-up."""

    app_env: str = "development"
    secret_key: str = ""
    database_url: str = ""
    redis_url: str = ""
    redis_prefix: str = "zj:"
    staff_token_ttl: int = 8 * 3600
    # The console's cookie session: ends after this long without the staff member doing anything, and in any
    # case after staff_token_ttl; the cookie is Secure unless explicitly switched off outside production.
    staff_session_idle_seconds: int = 30 * 60
    session_cookie_secure: bool = False
    # The built console (console/dist) that Flask serves at /console/.
    console_dist: str = ""
    resident_token_ttl: int = 30 * 24 * 3600
    login_max_failures: int = 5
    login_window_seconds: int = 300
    bot_service_token: str = ""
    # Every Rasa server the backend spreads chat turns and /model/parse over (RASA_URLS, or RASA_URL alone).
    rasa_urls: tuple[str, ...] = ()
    rasa_token: str = ""
    # Seconds Rasa may take to answer once it has the request (see docs/chat.md for why 10).
    rasa_timeout: float = 10.0
    routing_confidence_threshold: float = 0.6
    routing_classifier: str = "rasa"
    petition_routing: str = "worker"
    wechat_appid: str = ""
    wechat_secret: str = ""
    wechat_api_base: str = ""
    wechat_template_id: str = ""
    # Templates of activity updates (promotion, reminder) and of emergency alerts; empty → those are not sent.
    wechat_activity_template_id: str = ""
    wechat_alert_template_id: str = ""
    # Our data names (number, status_label…) → the template's keywords (character_string1, phrase2…).
    wechat_template_fields: dict = field(default_factory=dict)
    wechat_timeout: float = 5.0
    # The official account (公众号): credentials, the server-configuration token and EncodingAESKey.
    wechat_oa_appid: str = ""
    wechat_oa_secret: str = ""
    wechat_oa_token: str = ""
    wechat_oa_aes_key: str = ""
    # Seconds a message waits for the bot before it is answered `success` and the reply goes by custom/send.
    wechat_oa_reply_wait: float = 0.9
    mp_login_max_per_ip: int = 30
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (0 = none).
    trusted_proxies: int = 0
    outbox_max_attempts: int = 8
    outbox_retry_seconds: int = 30
    worker_sweep_seconds: int = 15
    petition_sweep_seconds: int = 60
    upload_dir: str = ""
    max_upload_bytes: int = 10 * 1024 * 1024
    phone_encryption_key: str = ""
    qweather_api_base: str = ""
    qweather_key: str = ""
    gtfs_rt_url: str = ""
    provider_timeout: float = 3.0
    weather_refresh_seconds: int = 1800
    transit_refresh_seconds: int = 30
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        """Builds settings from a mapping of environment variables (os.environ by default)."""
        env = dict(os.environ if env is None else env)
        app_env = env.get("APP_ENV", "development")
        if app_env not in ENVIRONMENTS:
            raise SettingsError(f"APP_ENV must be one of {ENVIRONMENTS}, got {app_env!r}")
        dev_like = app_env != "production"
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key and dev_like:
            # Development only: a per-checkout key, never a shared constant.
            secret_key = _dev_secret()
        if not dev_like and secret_key in INSECURE_SECRETS | {_dev_secret_if_exists()}:
            raise SettingsError("SECRET_KEY must be set to a strong random value in production")
        bot_token = env.get("BOT_SERVICE_TOKEN", "")
        if not bot_token and dev_like:
            bot_token = "dev-bot-token-" + secret_key[:16]
        if not dev_like and len(bot_token) < 24:
            raise SettingsError("BOT_SERVICE_TOKEN must be set (24+ characters) in production")
        rasa_token = env.get("RASA_TOKEN", "")
        if not rasa_token and dev_like:
            rasa_token = "dev-rasa-token-" + secret_key[:16]
        rasa_urls = _rasa_urls(env)
        if not dev_like and rasa_urls and len(rasa_token) < 24:
            raise SettingsError("RASA_TOKEN must be set (24+ characters) in production")
        phone_key = env.get("PHONE_ENCRYPTION_KEY", "")
        if not phone_key and not dev_like:
            raise SettingsError("PHONE_ENCRYPTION_KEY must be set in production")
        wechat = _wechat(env, dev_like)
        official = _official_account(env, dev_like, secret_key)
        providers = _providers(env, dev_like)
        database_url = env.get("DATABASE_URL", "") or f"sqlite:///{ROOT / 'var' / 'zhijian.sqlite3'}"
        return cls(
            app_env=app_env,
            secret_key=secret_key,
            database_url=_normalise_db_url(database_url),
            redis_url=env.get("REDIS_URL", ""),
            redis_prefix=env.get("REDIS_PREFIX", "zj:"),
            staff_token_ttl=_int(env, "STAFF_TOKEN_TTL", 8 * 3600),
            resident_token_ttl=_int(env, "RESIDENT_TOKEN_TTL", 30 * 24 * 3600),
            staff_session_idle_seconds=_positive(env, "STAFF_SESSION_IDLE_SECONDS", 30 * 60),
            session_cookie_secure=_cookie_secure(env, dev_like),
            console_dist=env.get("CONSOLE_DIST", "") or str(ROOT / "console" / "dist"),
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5),
            login_window_seconds=_int(env, "LOGIN_WINDOW_SECONDS", 300),
            bot_service_token=bot_token,
            rasa_urls=rasa_urls,
            rasa_token=rasa_token,
            rasa_timeout=_positive(env, "RASA_TIMEOUT", 10.0, _float),
            routing_confidence_threshold=_float(env, "ROUTING_CONFIDENCE_THRESHOLD", 0.6),
            **wechat,
            **official,
            wechat_timeout=_positive(env, "WECHAT_TIMEOUT", 5.0, _float),
            mp_login_max_per_ip=_positive(env, "MP_LOGIN_MAX_PER_IP", 30),
            trusted_proxies=_non_negative(env, "TRUSTED_PROXIES", 0),
            outbox_max_attempts=_positive(env, "OUTBOX_MAX_ATTEMPTS", 8),
            outbox_retry_seconds=_positive(env, "OUTBOX_RETRY_SECONDS", 30),
            worker_sweep_seconds=_positive(env, "WORKER_SWEEP_SECONDS", 15),
            petition_sweep_seconds=_positive(env, "PETITION_SWEEP_SECONDS", 60),
            routing_classifier=_choice(env, "ROUTING_CLASSIFIER", ("keyword", "rasa"), "rasa"),
            petition_routing=_choice(env, "PETITION_ROUTING", ("worker", "after_response"), "worker"),
            upload_dir=env.get("UPLOAD_DIR", "") or str(ROOT / "var" / "uploads"),
            max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
            phone_encryption_key=phone_key or secret_key,
            **providers,
            provider_timeout=_positive(env, "PROVIDER_TIMEOUT", 3.0, _float),
            weather_refresh_seconds=_positive(env, "WEATHER_REFRESH_SECONDS", 1800),
            transit_refresh_seconds=_positive(env, "TRANSIT_REFRESH_SECONDS", 30),
        )


def _rasa_urls(env: dict) -> tuple[str, ...]:
    """RASA_URLS ("http://a:5005,http://b:5005") or else RASA_URL; empty = no bot."""
    raw = env.get("RASA_URLS", "") or env.get("RASA_URL", "")
    urls = tuple(url.strip().rstrip("/") for url in raw.split(",") if url.strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"RASA_URLS must be http(s) URLs separated by commas, got {url!r}")
    if len(set(urls)) != len(urls):
        raise SettingsError(f"RASA_URLS lists an instance twice: {raw!r}")
    return urls


def _cookie_secure(env: dict, dev_like: bool) -> bool:
    """Production always marks the session cookie Secure; development and tests (plain http) may not."""
    if not dev_like:
        return True
    return _bool(env.get("SESSION_COOKIE_SECURE"), default=False)


def _wechat(env: dict, dev_like: bool) -> dict:
    """WeChat credentials; without them development talks to the fake server on loopback."""
    from integrations.wechat import defaults

    appid, secret = env.get("WECHAT_APPID", ""), env.get("WECHAT_SECRET", "")
    template_id = env.get("WECHAT_TEMPLATE_ID", "")
    api_base = env.get("WECHAT_API_BASE", "").rstrip("/")
    if not dev_like and not (appid and secret and template_id):
        raise SettingsError("WECHAT_APPID, WECHAT_SECRET and WECHAT_TEMPLATE_ID must be set in production")
    if not (appid and secret):
        appid, secret = defaults.FAKE_APPID, defaults.FAKE_SECRET
        api_base = api_base or defaults.FAKE_API_BASE
    return {
        "wechat_appid": appid,
        "wechat_secret": secret,
        "wechat_api_base": api_base or defaults.REAL_API_BASE,
        "wechat_template_id": template_id or defaults.FAKE_TEMPLATE_ID,
        "wechat_activity_template_id": env.get("WECHAT_ACTIVITY_TEMPLATE_ID", "")
        or (defaults.FAKE_ACTIVITY_TEMPLATE_ID if dev_like else ""),
        "wechat_alert_template_id": env.get("WECHAT_ALERT_TEMPLATE_ID", "")
        or (defaults.FAKE_ALERT_TEMPLATE_ID if dev_like else ""),
        "wechat_template_fields": _pairs(env, "WECHAT_TEMPLATE_FIELDS", defaults.TEMPLATE_FIELDS),
    }


# WeChat waits 5 s for an answer; the request must be answered before that, with time for the network.
MAX_OA_REPLY_WAIT = 4.5


def _official_account(env: dict, dev_like: bool, secret_key: str) -> dict:
    """The official account's settings; outside production, the fake WeChat server's account and keys derived
    from SECRET_KEY (`make run` writes random ones into var/dev.env)."""
    import base64
    import hashlib

    from integrations.wechat import defaults

    names = ("WECHAT_OA_APPID", "WECHAT_OA_SECRET", "WECHAT_OA_TOKEN", "WECHAT_OA_AES_KEY")
    appid, secret, token, aes_key = (env.get(name, "") for name in names)
    if not dev_like and not all((appid, secret, token, aes_key)):
        raise SettingsError("WECHAT_OA_APPID, WECHAT_OA_SECRET, WECHAT_OA_TOKEN and WECHAT_OA_AES_KEY must be set "
                            "in production")
    if not (appid and secret):
        appid, secret = defaults.FAKE_OA_APPID, defaults.FAKE_OA_SECRET
    derived = hashlib.sha256(("wechat-oa:" + secret_key).encode()).digest()
    token = token or "devoa" + derived.hex()[:24]
    aes_key = aes_key or base64.b64encode(derived).decode().rstrip("=")
    if len(aes_key) != 43 or not _is_base64(aes_key + "="):
        raise SettingsError("WECHAT_OA_AES_KEY must be the 43-character EncodingAESKey from the account's settings")
    if not 3 <= len(token) <= 32 or not (token.isascii() and token.isalnum()):
        raise SettingsError("WECHAT_OA_TOKEN must be 3–32 letters or digits, as WeChat requires")
    wait = _float(env, "WECHAT_OA_REPLY_WAIT", 0.9)
    if not 0 <= wait <= MAX_OA_REPLY_WAIT:
        raise SettingsError(f"WECHAT_OA_REPLY_WAIT must be between 0 and {MAX_OA_REPLY_WAIT} seconds, got {wait}")
    return {"wechat_oa_appid": appid, "wechat_oa_secret": secret, "wechat_oa_token": token,
            "wechat_oa_aes_key": aes_key, "wechat_oa_reply_wait": wait}


def _is_base64(value: str) -> bool:
    import base64
    import binascii

    try:
        return len(base64.b64decode(value, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


# Outside production, without settings, the fakes of the Procfile's `providers` process.
FAKE_QWEATHER_BASE = "http://127.0.0.1:8011"
FAKE_GTFS_RT_URL = "http://127.0.0.1:8012/gtfs-rt/trip-updates"


def _providers(env: dict, dev_like: bool) -> dict:
    """Weather and transit providers; development and tests default to the loopback fakes."""
    from integrations.weather.fake_server import FAKE_KEY

    base = env.get("QWEATHER_API_BASE", "").rstrip("/")
    key = env.get("QWEATHER_KEY", "")
    feed = env.get("GTFS_RT_URL", "")
    if not dev_like:
        if not (base and key and feed):
            raise SettingsError("QWEATHER_API_BASE, QWEATHER_KEY and GTFS_RT_URL must be set in production")
        if key == FAKE_KEY or "127.0.0.1" in base or "127.0.0.1" in feed:
            raise SettingsError("QWEATHER_API_BASE, QWEATHER_KEY and GTFS_RT_URL must name the real providers "
                                "in production, not the development fakes")
    return {
        "qweather_api_base": base or FAKE_QWEATHER_BASE,
        "qweather_key": key or FAKE_KEY,
        "gtfs_rt_url": feed or FAKE_GTFS_RT_URL,
    }


def _pairs(env: dict, name: str, default: str) -> dict:
    """"a=b,c=d" → {"a": "b", "c": "d"}."""
    raw = env.get(name, "") or default
    pairs = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, sep, value = (piece.strip() for piece in item.partition("="))
        if not sep or not key or not value:
            raise SettingsError(f"{name} must look like name=keyword1,other=keyword2, got {raw!r}")
        pairs[key] = value
    return pairs


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgres URLs would ask for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret_path() -> Path:
    return ROOT / "var" / ".dev_secret_key"


def _dev_secret_if_exists() -> str:
    path = _dev_secret_path()
    return path.read_text().strip() if path.exists() else "\0"


def _dev_secret() -> str:
    """A random key kept in var/ so development tokens survive restarts."""
    import secrets

    path = _dev_secret_path()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    return key
