"""GET /api/v1/bot/info/<kind>: the action server's answers with cards; the street from the words or the profile."""

import pytest

from tests.info.conftest import make_resident


@pytest.fixture
def weather_loaded(app, fake_weather):
    from backend.info.weather import service as weather

    with app.app_context():
        weather.refresh()


def _ask(client, auth, kind, q, **params):
    response = client.get(f"/api/v1/bot/info/{kind}", query_string={"q": q, **params}, headers=auth.service())
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_only_the_bot_service_and_only_known_kinds(client, auth):
    assert client.get("/api/v1/bot/info/weather").status_code == 401
    assert client.get("/api/v1/bot/info/weather", headers=auth.staff("admin")).status_code == 403
    assert client.get("/api/v1/bot/info/lottery", headers=auth.service()).status_code == 404


def test_weather_uses_the_profile_street_unless_the_words_name_one(app, client, auth, weather_loaded):
    resident = make_resident(app, "hengxi")
    body = _ask(client, auth, "weather", "明天会下雨吗", sender_id=str(resident))
    assert body["street"] == "hengxi" and body["cards"][0] == {**body["cards"][0], "type": "weather", "code": "hengxi"}
    assert "横溪街道" in body["text"] and "大风蓝色预警" in body["text"]
    named = _ask(client, auth, "weather", "汤山那边今天下雨没", sender_id=str(resident))
    assert named["cards"][0]["code"] == "tangshan"
    nobody = _ask(client, auth, "weather", "天气怎么样", sender_id="not-a-resident")
    assert nobody["cards"][0]["code"] == "jiangning_district" and "哪个街道" in nobody["text"]


def test_notices_transit_and_hospitals_answer_with_their_cards(app, client, auth, demo_notices):
    resident = make_resident(app, "dongshan")
    notices = _ask(client, auth, "notices", "最近有停水通知吗", sender_id=str(resident))
    assert notices["cards"] and {c["type"] for c in notices["cards"]} == {"notice"}
    assert "竹山社区计划停水通知" in notices["text"] and "竹山路以东" in notices["text"]
    bus = _ask(client, auth, "transit", "江宁10路末班车几点", sender_id=str(resident))
    assert bus["cards"][0]["type"] == "transit" and bus["cards"][0]["code"] == "JN10"
    assert "末班 21:00" in bus["text"]
    airport = _ask(client, auth, "transit", "去机场坐什么车")
    assert "江宁10路" in airport["text"] and airport["cards"][0]["code"] == "JN10"
    near = _ask(client, auth, "transit", "附近有啥公交", sender_id=str(resident))
    assert near["cards"] and all(c["type"] == "transit" for c in near["cards"]) and "东山街道附近" in near["text"]
    kids = _ask(client, auth, "hospitals", "哪个医院能看儿科", sender_id=str(resident))
    assert [c["type"] for c in kids["cards"]] == ["hospital"] * 3 and "儿科" in kids["text"]


def test_weather_never_fetched_is_said_plainly(client, auth):
    body = _ask(client, auth, "weather", "天气")
    assert body["cards"] == [] and "暂时还没有获取到" in body["text"]
