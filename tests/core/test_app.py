"""Health, OpenAPI, error shape and start-up safety."""

import pytest

from backend.settings import Settings, SettingsError

WECHAT = {"WECHAT_APPID": "wx0123456789abcdef", "WECHAT_SECRET": "w" * 32, "WECHAT_TEMPLATE_ID": "tpl-petition"}
OFFICIAL = {"WECHAT_OA_APPID": "wxfedcba9876543210", "WECHAT_OA_SECRET": "o" * 32, "WECHAT_OA_TOKEN": "zhijianOA2026",
            "WECHAT_OA_AES_KEY": "a" * 43}
PROVIDERS = {"QWEATHER_API_BASE": "https://devapi.qweather.com", "QWEATHER_KEY": "q" * 32,
             "GTFS_RT_URL": "https://transit.example.gov.cn/gtfs-rt/trip-updates"}


def test_healthz_reports_components(client, app):
    body = client.get("/healthz").get_json()
    assert body["components"]["db"] == "ok"
    expected_redis = "ok" if app.config["SETTINGS"].redis_url else "not_configured"
    assert body["components"]["redis"] == expected_redis
    assert body["status"] == "ok"


def test_healthz_degraded_when_redis_is_unreachable(app):
    from backend.app import create_app

    env = {"APP_ENV": "test", "SECRET_KEY": "x" * 40, "DATABASE_URL": app.config["SETTINGS"].database_url,
           "REDIS_URL": "redis://127.0.0.1:1/0"}
    other = create_app(Settings.from_env(env))
    body = other.test_client().get("/healthz").get_json()
    assert body == {"status": "degraded", "components": {"db": "ok", "redis": "down", "bot": "not_configured"}}


def test_openapi_document_and_docs_page(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["info"]["title"] == "指尖政务 API"
    assert "/api/v1/auth/token" in spec["paths"]
    assert "/healthz" in spec["paths"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


def test_unknown_path_and_method_are_chinese_json(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.get_json()["message"] == "找不到请求的内容"
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.get_json()["message"] == "不支持该请求方法"


@pytest.mark.parametrize("secret", ["", "dev", "change-me"])
def test_production_needs_a_real_secret(secret):
    with pytest.raises(SettingsError):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": secret, "BOT_SERVICE_TOKEN": "t" * 32,
                           "PHONE_ENCRYPTION_KEY": "k" * 32, **WECHAT, **OFFICIAL, **PROVIDERS})


def test_production_needs_service_tokens_and_keys():
    base = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, **WECHAT, **OFFICIAL, **PROVIDERS}
    with pytest.raises(SettingsError):
        Settings.from_env(base)
    with pytest.raises(SettingsError):
        Settings.from_env({**base, "BOT_SERVICE_TOKEN": "t" * 32})
    settings = Settings.from_env({**base, "BOT_SERVICE_TOKEN": "t" * 32, "PHONE_ENCRYPTION_KEY": "k" * 32})
    assert settings.is_production


@pytest.mark.parametrize("missing", sorted(WECHAT))
def test_production_needs_real_wechat_credentials(missing):
    env = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "BOT_SERVICE_TOKEN": "t" * 32,
           "PHONE_ENCRYPTION_KEY": "k" * 32, **WECHAT, **OFFICIAL, **PROVIDERS}
    assert Settings.from_env(env).wechat_api_base == "https://api.weixin.qq.com"
    with pytest.raises(SettingsError, match="WECHAT_APPID"):
        Settings.from_env({**env, missing: ""})


@pytest.mark.parametrize("missing", sorted(OFFICIAL))
def test_production_needs_the_official_accounts_settings(missing):
    env = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "BOT_SERVICE_TOKEN": "t" * 32,
           "PHONE_ENCRYPTION_KEY": "k" * 32, **WECHAT, **OFFICIAL, **PROVIDERS}
    settings = Settings.from_env(env)
    assert (settings.wechat_oa_appid, settings.wechat_oa_token) == ("wxfedcba9876543210", "zhijianOA2026")
    with pytest.raises(SettingsError, match="WECHAT_OA_APPID"):
        Settings.from_env({**env, missing: ""})


@pytest.mark.parametrize(("name", "value"), [
    ("WECHAT_OA_AES_KEY", "short"), ("WECHAT_OA_AES_KEY", "!" * 43), ("WECHAT_OA_TOKEN", "has space"),
    ("WECHAT_OA_TOKEN", "x" * 33), ("WECHAT_OA_REPLY_WAIT", "5"), ("WECHAT_OA_REPLY_WAIT", "-1"),
])
def test_official_account_settings_wechat_would_refuse_are_refused(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "x" * 40, name: value})


@pytest.mark.parametrize("missing", sorted(PROVIDERS))
def test_production_needs_real_providers(missing):
    env = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "BOT_SERVICE_TOKEN": "t" * 32,
           "PHONE_ENCRYPTION_KEY": "k" * 32, **WECHAT, **OFFICIAL, **PROVIDERS}
    assert Settings.from_env(env).qweather_api_base == "https://devapi.qweather.com"
    with pytest.raises(SettingsError, match="QWEATHER_API_BASE, QWEATHER_KEY and GTFS_RT_URL must be set"):
        Settings.from_env({**env, missing: ""})
    with pytest.raises(SettingsError, match="not the development fakes"):
        Settings.from_env({**env, "QWEATHER_API_BASE": "http://127.0.0.1:8011"})


def test_development_without_providers_uses_the_fakes():
    settings = Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "x" * 40})
    assert settings.qweather_api_base == "http://127.0.0.1:8011"
    assert settings.gtfs_rt_url == "http://127.0.0.1:8012/gtfs-rt/trip-updates"


def test_development_without_credentials_uses_the_fake_wechat_server():
    settings = Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "x" * 40})
    assert settings.wechat_api_base == "http://127.0.0.1:8010"
    assert settings.wechat_appid and settings.wechat_secret
    # The official account too: the fake's account, keys derived from SECRET_KEY that WeChat's crypto accepts.
    assert settings.wechat_oa_appid == "wxfakeoa000000dev" and len(settings.wechat_oa_aes_key) == 43
    assert settings.wechat_oa_token.isalnum() and settings.wechat_oa_reply_wait == 0.9
    real = Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "x" * 40, **WECHAT})
    assert real.wechat_api_base == "https://api.weixin.qq.com"


@pytest.mark.parametrize("name", ["WORKER_SWEEP_SECONDS", "OUTBOX_MAX_ATTEMPTS", "WECHAT_TIMEOUT", "MP_LOGIN_MAX_PER_IP",
                                  "PETITION_SWEEP_SECONDS"])
def test_counts_and_intervals_must_be_positive(name):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "x" * 40, name: "0"})


def test_template_keywords_are_configurable():
    base = {"APP_ENV": "development", "SECRET_KEY": "x" * 40}
    assert Settings.from_env(base).wechat_template_fields["status_label"] == "phrase2"
    custom = Settings.from_env({**base, "WECHAT_TEMPLATE_FIELDS": "number=character_string3, remark=thing9"})
    assert custom.wechat_template_fields == {"number": "character_string3", "remark": "thing9"}
    with pytest.raises(SettingsError, match="WECHAT_TEMPLATE_FIELDS"):
        Settings.from_env({**base, "WECHAT_TEMPLATE_FIELDS": "number"})


def test_petitions_are_routed_on_the_worker_unless_configured_otherwise():
    base = {"APP_ENV": "development", "SECRET_KEY": "x" * 40}
    assert Settings.from_env(base).petition_routing == "worker"
    assert Settings.from_env({**base, "PETITION_ROUTING": "after_response"}).petition_routing == "after_response"
    with pytest.raises(SettingsError, match="PETITION_ROUTING"):
        Settings.from_env({**base, "PETITION_ROUTING": "inline"})


def test_unknown_environment_is_refused():
    with pytest.raises(SettingsError):
        Settings.from_env({"APP_ENV": "staging"})


def test_production_refuses_to_serve_with_demo_accounts(app, monkeypatch):
    from backend.app import create_app
    from backend.startup import UnsafeStartup, assert_safe_to_serve

    env = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "BOT_SERVICE_TOKEN": "t" * 32,
           "PHONE_ENCRYPTION_KEY": "k" * 32, "DATABASE_URL": app.config["SETTINGS"].database_url, **WECHAT,
           **OFFICIAL, **PROVIDERS}
    monkeypatch.setattr("sys.argv", ["gunicorn"])
    with pytest.raises(UnsafeStartup):
        assert_safe_to_serve(create_app(Settings.from_env(env)))


def test_a_connection_dropped_while_idle_is_replaced_without_an_error(committed_app, monkeypatch):
    from sqlalchemy import create_engine, event, text

    from backend.core import database as database_module
    from backend.extensions import db

    client = committed_app.test_client()
    assert client.get("/healthz").get_json()["components"]["db"] == "ok"
    with committed_app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            # A file has no server that could drop the connection: no ping listener is installed.
            assert not event.contains(engine, "checkout", lambda *a: None)
            assert client.get("/healthz").get_json()["components"]["db"] == "ok"
            return
        # A pool holding one connection, which the server then kills as if it had restarted.
        engine.dispose()
        with engine.connect() as connection:
            victim = connection.scalar(text("SELECT pg_backend_pid()"))
        killer = create_engine(engine.url)
        with killer.connect() as other:
            assert other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim}) is True
        killer.dispose()
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)
    body = client.get("/healthz").get_json()
    assert body["components"]["db"] == "ok", body
