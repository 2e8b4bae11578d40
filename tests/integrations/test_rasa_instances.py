"""Several Rasa instances (RASA_URLS): calls spread round-robin, a dead instance is skipped, only all down degrades."""

import dataclasses
import time

import pytest

from backend.settings import Settings, SettingsError
from integrations.rasa import RasaClient, RasaUnavailable, get_client
from integrations.rasa.client import DOWN_SECONDS
from tests.conftest import bot_settings
from tests.conversations.conftest import make_resident

DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens there


def test_rasa_urls_list_the_instances_and_rasa_url_is_one():
    assert Settings.from_env({"RASA_URLS": " http://a:5005/, http://b:5005 ,"}).rasa_urls == (
        "http://a:5005", "http://b:5005")
    assert Settings.from_env({"RASA_URL": "http://a:5005/"}).rasa_urls == ("http://a:5005",)
    assert Settings.from_env({"RASA_URLS": "http://b:5005", "RASA_URL": "http://a:5005"}).rasa_urls == (
        "http://b:5005",)
    assert Settings.from_env({}).rasa_urls == ()
    for bad in ("a:5005", "http://a:5005,http://a:5005/"):
        with pytest.raises(SettingsError, match="RASA_URLS"):
            Settings.from_env({"RASA_URLS": bad})
    with pytest.raises(SettingsError, match="RASA_TIMEOUT"):
        Settings.from_env({"RASA_TIMEOUT": "0"})


def test_calls_rotate_over_the_instances_and_those_marked_down_come_last():
    client = RasaClient(("http://a:5005", "http://b:5005/", "http://c:5005"), "token", 10)
    assert client.base_urls == ("http://a:5005", "http://b:5005", "http://c:5005")
    firsts = [client.order()[0].url for _ in range(6)]
    assert sorted(firsts) == sorted(client.base_urls * 2)  # each instance leads in turn
    assert firsts[:3] == firsts[3:]
    client.instances[1].down_until = time.monotonic() + DOWN_SECONDS
    for _ in range(3):
        order = [instance.url for instance in client.order()]
        assert order[-1] == "http://b:5005" and sorted(order) == sorted(client.base_urls)


def test_only_every_instance_down_is_unavailable():
    client = RasaClient((DEAD, "http://127.0.0.1:7"), "token", 10)
    with pytest.raises(RasaUnavailable, match="unreachable"):
        client.parse("你好")
    assert all(instance.is_down(time.monotonic()) for instance in client.instances)


@pytest.fixture
def two_instances_one_dead(app_with_bot, bot_stack):
    """The app with RASA_URLS = a dead instance and the real Rasa."""
    settings = dataclasses.replace(app_with_bot.config["SETTINGS"], rasa_urls=(DEAD, bot_stack.url))
    with bot_settings(app_with_bot, settings):
        yield app_with_bot


@pytest.mark.rasa
def test_residents_never_notice_a_dead_instance(two_instances_one_dead):
    app = two_instances_one_dead
    _, headers = make_resident(app)
    http = app.test_client()
    for text in ("你好", "身份证丢了咋补办", "要带什么材料", "谢谢"):
        body = http.post("/api/mp/chat", json={"text": text}, headers=headers, buffered=True).get_json()
        assert "degraded" not in body and body["replies"][0]["text"]
    with app.app_context():
        dead, alive = get_client().instances
    assert dead.is_down(time.monotonic()) and not alive.is_down(time.monotonic())


@pytest.mark.rasa
def test_petition_classification_fails_over_too(two_instances_one_dead):
    from backend.routing.classifiers import RasaClassifier, get_classifier

    with two_instances_one_dead.app_context():
        classifier = get_classifier()
        assert isinstance(classifier, RasaClassifier)
        for _ in range(3):
            assert classifier.classify("楼下烧烤店油烟太大，窗户都不敢开").category


@pytest.mark.rasa
def test_health_reports_a_bot_with_one_instance_down_as_partial(two_instances_one_dead):
    body = two_instances_one_dead.test_client().get("/healthz").get_json()
    assert body["components"]["bot"] == "partial" and body["status"] == "ok"
