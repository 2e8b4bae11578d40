"""Routing with the real Rasa model: /routing/suggest and form petitions use the bot's classifier."""

import dataclasses

import pytest

from tests.conftest import Auth

pytestmark = pytest.mark.rasa

CASES = [
    ("楼下烧烤店每天晚上油烟呛得人没法开窗", "restaurant_fumes", "urban_management"),
    ("公司拖欠我们三个月工资了老板一直躲着不见", "wage_labor", "hr_social_security"),
    ("小区停水两天了也没人通知什么时候来水", "water_supply", "water_affairs"),
]


@pytest.fixture
def rasa_routing(app_with_bot):
    settings = app_with_bot.config["SETTINGS"]
    app_with_bot.config["SETTINGS"] = dataclasses.replace(settings, routing_classifier="rasa")
    try:
        yield app_with_bot
    finally:
        app_with_bot.config["SETTINGS"] = settings


@pytest.mark.parametrize("text,category,department", CASES)
def test_suggest_uses_the_bot_model(rasa_routing, text, category, department):
    response = rasa_routing.test_client().post(
        "/api/v1/routing/suggest", json={"text": text}, headers=Auth(rasa_routing).staff("dispatcher"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["category"] == category
    assert body["department"]["code"] == department
    assert 0 < body["confidence"] <= 1


def test_rasa_down_means_the_manual_queue(app_with_bot):
    settings = app_with_bot.config["SETTINGS"]
    app_with_bot.config["SETTINGS"] = dataclasses.replace(
        settings, routing_classifier="rasa", rasa_urls=("http://127.0.0.1:9",))
    app_with_bot.extensions.pop("rasa_client", None)
    try:
        from backend.routing.classifiers import ClassifierUnavailable, get_classifier

        with app_with_bot.app_context():
            with pytest.raises(ClassifierUnavailable):
                get_classifier().classify(CASES[0][0])
    finally:
        app_with_bot.config["SETTINGS"] = settings
        app_with_bot.extensions.pop("rasa_client", None)
