"""scripts/serve.py turns the two production URLs into the variables endpoints.prod.yml reads."""
import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("serve", Path(__file__).resolve().parents[2] / "scripts" / "serve.py")
serve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(serve)


def test_production_env_from_urls():
    env = serve.production_env("postgresql://rasa:p%40ss@db.local:6543/rasa_tracker", "redis://:secret@127.0.0.1:6380/2")
    assert env == {
        "RASA_TRACKER_DB_HOST": "db.local", "RASA_TRACKER_DB_PORT": "6543", "RASA_TRACKER_DB_NAME": "rasa_tracker",
        "RASA_TRACKER_DB_USER": "rasa", "RASA_TRACKER_DB_PASSWORD": "p@ss",
        "RASA_LOCK_REDIS_HOST": "127.0.0.1", "RASA_LOCK_REDIS_PORT": "6380", "RASA_LOCK_REDIS_DB": "2",
        "RASA_LOCK_REDIS_PASSWORD": "secret", "RASA_TRACKER_LOGIN_DB": "",
    }
    assert serve.production_env("postgresql://u@h/zhijian_rasa", "redis://h", "zhijian")["RASA_TRACKER_LOGIN_DB"] == "zhijian"


def test_every_variable_of_the_prod_endpoints_is_provided():
    text = (Path(__file__).resolve().parents[2] / "endpoints.prod.yml").read_text()
    import re
    wanted = set(re.findall(r"\$\{(\w+)\}", text)) - {"ACTION_SERVER_URL"}
    assert wanted == set(serve.production_env("postgresql://u:p@h/db", "redis://h").keys())


@pytest.mark.parametrize("db,redis", [("mysql://u@h/db", "redis://h"), ("postgresql://u@h/", "redis://h"),
                                      ("postgresql://u@h/db", "http://h")])
def test_bad_urls_are_refused(db, redis):
    with pytest.raises(ValueError):
        serve.production_env(db, redis)
