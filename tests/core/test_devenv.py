"""var/dev.env: tokens made once, Rasa's stores derived from DATABASE_URL and REDIS_URL on every run."""

from backend.devenv import ensure, rasa_stores


def _read(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#"))


def test_rasa_stores_beside_postgres_and_redis():
    stores = rasa_stores({"DATABASE_URL": "postgresql://zj:p%40ss@db.local:5433/zhijian?sslmode=require",
                          "REDIS_URL": "redis://:pw@127.0.0.1:6379/0"})
    assert stores == {
        "RASA_TRACKER_DB_URL": "postgresql://zj:p%40ss@db.local:5433/zhijian_rasa",
        "RASA_TRACKER_LOGIN_DB": "zhijian",
        "RASA_LOCK_REDIS_URL": "redis://:pw@127.0.0.1:6379/0",
    }
    assert rasa_stores({"DATABASE_URL": "postgres://postgres@127.0.0.1/zj", "REDIS_URL": "redis://127.0.0.1/2"})[
        "RASA_TRACKER_DB_URL"] == "postgresql://postgres@127.0.0.1/zj_rasa"


def test_rasa_stays_in_memory_without_both():
    assert rasa_stores({}) == {}
    assert rasa_stores({"DATABASE_URL": "postgresql://postgres@127.0.0.1/zhijian"}) == {}
    assert rasa_stores({"DATABASE_URL": "sqlite:///var/zhijian.sqlite3", "REDIS_URL": "redis://127.0.0.1/0"}) == {}
    # Rasa's CREATE DATABASE does not quote the name.
    assert rasa_stores({"DATABASE_URL": "postgresql://postgres@127.0.0.1/Zhi-Jian", "REDIS_URL": "redis://h/0"}) == {}


def test_tokens_are_kept_and_stores_follow_the_environment(tmp_path):
    path = tmp_path / "dev.env"
    ensure(path, {"DATABASE_URL": "postgresql://postgres@127.0.0.1/zhijian", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    first = _read(path)
    assert first["RASA_TOKEN"].startswith("dev-rasa-") and first["RASA_TRACKER_LOGIN_DB"] == "zhijian"
    ensure(path, {})
    second = _read(path)
    assert second["RASA_TOKEN"] == first["RASA_TOKEN"] and second["BOT_SERVICE_TOKEN"] == first["BOT_SERVICE_TOKEN"]
    assert not {"RASA_TRACKER_DB_URL", "RASA_TRACKER_LOGIN_DB", "RASA_LOCK_REDIS_URL"} & second.keys()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_the_official_accounts_keys_are_made_once_and_accepted_by_settings(tmp_path):
    from backend.settings import Settings

    path = tmp_path / "dev.env"
    ensure(path, {})
    first = _read(path)
    ensure(path, {})
    assert _read(path)["WECHAT_OA_AES_KEY"] == first["WECHAT_OA_AES_KEY"]
    settings = Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "x" * 40, **first})
    assert (settings.wechat_oa_token, settings.wechat_oa_aes_key) == (first["WECHAT_OA_TOKEN"],
                                                                       first["WECHAT_OA_AES_KEY"])


def test_the_action_server_calls_the_internal_pool_even_in_an_old_file(tmp_path):
    path = tmp_path / "dev.env"
    path.write_text("BACKEND_URL=http://127.0.0.1:8000\nRASA_TOKEN=kept\n")
    ensure(path, {})
    assert _read(path)["BACKEND_URL"] == "http://127.0.0.1:8001" and _read(path)["RASA_TOKEN"] == "kept"
    ensure(path, {"INTERNAL_PORT": "9101"})
    assert _read(path)["BACKEND_URL"] == "http://127.0.0.1:9101"
