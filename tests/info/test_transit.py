"""Transit: GTFS import (CLI), next arrivals with realtime delays from the fake feed, stops near, first and last bus."""

import shutil
import zipfile
from datetime import datetime

import pytest

from backend.audit import service as audit
from backend.calendar.service import BEIJING
from backend.info.seed import GTFS
from backend.info.transit import service as transit
from integrations.transit import TransitUnavailable
from integrations.transit.realtime import TripUpdatesClient, decode

# A Wednesday morning: every demo route runs.
MORNING = datetime(2026, 12, 2, 8, 0, tzinfo=BEIJING)


@pytest.fixture
def at_morning(monkeypatch):
    monkeypatch.setattr(transit, "local_now", lambda: MORNING)


def test_the_demo_feed_is_imported_by_the_seed(app):
    with app.app_context():
        names = [r.short_name for r in transit.routes()]
    assert names[0] == "地铁1号线" and len(names) == 13


def test_import_command_loads_a_zip_and_refuses_a_broken_feed(app, tmp_path):
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in GTFS.iterdir():
            zf.write(path, path.name)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["transit", "import", str(archive)])
    assert result.exit_code == 0, result.output
    assert "13 transit_routes" in result.output and "9636 transit_stop_times" in result.output
    with app.app_context():
        assert audit.list_for(subject_type="transit_feed", subject_id="gtfs")[-1].detail["transit_routes"] == 13
    broken = tmp_path / "broken"
    shutil.copytree(GTFS, broken)
    text = (broken / "stop_times.txt").read_text().replace("JN1_0_001,06:04:00", "JN1_0_001,6h04")
    (broken / "stop_times.txt").write_text(text)
    failed = runner.invoke(args=["transit", "import", str(broken)])
    assert failed.exit_code != 0 and "stop_times.txt:3: 时间格式不正确" in failed.output
    (broken / "calendar.txt").unlink()
    assert "缺少文件 calendar.txt" in runner.invoke(args=["transit", "import", str(broken)]).output
    assert "文件不存在" in runner.invoke(args=["transit", "import", str(tmp_path / "nothing")]).output
    with app.app_context():  # the failed imports changed nothing
        assert len(transit.routes()) == 13


def test_next_arrivals_apply_the_feeds_delays(app, client, fake_feed, at_morning):
    fake_feed.set_delays({"JN1_0_011": {"delay": 240}, "JN1_0_012": {"delay": 0, "stops": {"JN004": -60}}})
    with app.app_context():
        assert transit.refresh() == "ok"
    body = client.get("/api/mp/transit/arrivals?stop=JN004&route=JN1&limit=2").get_json()
    assert body["stop"]["name"] == "竹山路"
    towards_south = [i for i in body["items"] if i["headsign"] == "南京南站"]
    # 江宁1路 leaves 东山总站 every 12 minutes from 06:00 (trip 11 at 08:00) and reaches 竹山路 11 minutes later.
    assert [(i["scheduled"], i["expected"], i["delay_minutes"]) for i in towards_south] == [
        ("08:11", "08:15", 4), ("08:23", "08:22", -1)]
    assert towards_south[0]["realtime"] is True and towards_south[0]["minutes_away"] == 15
    assert body["realtime"]["stale"] is False


def test_arrivals_stay_on_the_schedule_and_say_stale_when_the_feed_fails(app, client, fake_feed, at_morning):
    fake_feed.set_delays({"JN1_0_011": {"delay": 240}})
    with app.app_context():
        transit.refresh()
    fake_feed.set_mode("garbage")
    with app.app_context():
        assert transit.refresh() == "failed"
    body = client.get("/api/mp/transit/arrivals?stop=JN004&route=JN1&limit=2").get_json()
    assert body["realtime"]["stale"] is True
    first = next(i for i in body["items"] if i["headsign"] == "南京南站")
    assert first["expected"] == "08:15"  # the last good delay, labelled stale


def test_the_client_refuses_what_is_not_a_feed(fake_feed):
    for mode in ("http500", "garbage", "error"):
        fake_feed.set_mode(mode)
        with pytest.raises(TransitUnavailable):
            TripUpdatesClient(fake_feed.feed_url, timeout=1).fetch()
    with pytest.raises(TransitUnavailable):
        decode(b"\x0a\x02hi")


def test_stops_near_a_point_a_street_or_a_place(client):
    near = client.get("/api/mp/transit/stops?lat=31.935&lon=118.832&radius_m=300").get_json()["items"]
    assert [s["name"] for s in near] == ["竹山路", "竹山路（地铁1号线）"]
    assert "江宁1路" in near[0]["routes"] and near[1]["routes"] == ["地铁1号线"]
    by_street = client.get("/api/mp/transit/stops?street=lukou").get_json()["items"]
    assert by_street[0]["name"] == "禄口"
    by_place = client.get("/api/mp/transit/stops?place=禄口机场&limit=1").get_json()["items"]
    assert by_place[0]["name"] == "禄口机场" and by_place[0]["distance_m"] == 0
    assert client.get("/api/mp/transit/stops").status_code == 422
    assert client.get("/api/mp/transit/stops?lat=95&lon=1").status_code == 422
    assert client.get("/api/mp/transit/stops?place=火星").status_code == 404


def test_first_and_last_bus_and_the_route_page(client, at_morning):
    body = client.get("/api/mp/transit/routes/JN10").get_json()
    assert body["name"] == "江宁10路" and body["mode"] == "公交"
    assert body["directions"][0] == {"direction_id": 0, "from": "东山总站", "to": "禄口机场", "first": "05:40",
                                     "last": "21:00"}
    assert [s["name"] for s in body["stops"]] == ["东山总站", "方山", "禄口", "禄口机场"]
    assert client.get("/api/mp/transit/routes/NOPE").status_code == 404
    assert client.get("/api/mp/transit/arrivals?stop=NOPE").status_code == 404
    assert client.get("/api/mp/transit/arrivals").status_code == 422


def test_routes_and_stops_are_found_in_questions(app):
    with app.app_context():
        assert [r.route_id for r in transit.routes_in_text("江宁5路和地铁1号线几点")] == ["JN5", "M1"]
        assert [r.route_id for r in transit.routes_in_text("坐地铁去市区")] == ["M1"]
        assert [s.name for s in transit.stops_in_text("禄口机场怎么走")][:1] == ["禄口机场"]
