"""The bot's answers about convenience information: a short text and cards (weather, notice, hospital, transit).

The action server sends the resident's words (`q`), the street it recognised and the sender id; the street
of the resident's profile is used when the words name none. Nothing here is made up: with no data the
answer says so.
"""

from __future__ import annotations

import re

from backend.info.health import service as health
from backend.info.health.specialties import specialty_in_text
from backend.info.notices import service as notices
from backend.info.notices import states as notice_states
from backend.info.places import DISTRICT, places, street_in_text
from backend.info.transit import service as transit
from backend.info.weather import service as weather

MAX_CARDS = 3
ASK_STREET = "告诉我您在哪个街道（如“东山街道”），或在小程序「我的」里设置所在街道，我就能按您的街道查询。"
# Words that name a stop by another name.
PLACE_ALIASES = {"机场": "禄口机场", "南站": "南京南站", "高铁站": "南京南站", "火车站": "南京南站",
                 "区政府": "江宁区政府", "政务服务中心": "江宁区政府", "人民医院": "江宁区人民医院",
                 "中医院": "江宁区中医院", "温泉": "汤山温泉"}


def _card(kind: str, code: str, title: str, subtitle: str | None = None) -> dict:
    card = {"type": kind, "code": code, "title": title}
    if subtitle:
        card["subtitle"] = subtitle
    return card


def _time(moment) -> str:
    from backend.calendar.service import BEIJING

    return moment.astimezone(BEIJING).strftime("%m月%d日 %H:%M").lstrip("0") if moment else ""


def answer(kind: str, *, q: str, street: str | None, profile_street: str | None) -> dict:
    """{"text", "cards", "street"} for one kind (weather | notices | hospitals | transit)."""
    named = street if street in places() and street != DISTRICT else street_in_text(q or "")
    code = named or profile_street
    return {"weather": _weather, "notices": _notices, "hospitals": _hospitals, "transit": _transit}[kind](
        q or "", code)


def _weather(q: str, street: str | None) -> dict:
    data = weather.for_place(street)
    if data is None:
        return {"text": "抱歉，天气数据暂时还没有获取到，请稍后再试。", "cards": [], "street": street}
    lines = [weather.summary(data) + "。"]
    for day in data["daily"][1:3]:
        lines.append(f"{day['date'][5:]}：{day['text_day']}，{day['temp_min']:g}~{day['temp_max']:g}℃")
    for item in data["warnings"]:
        lines.append(f"⚠ {item['title'] or item['type_name'] + item['level'] + '预警'}")
    if data["stale"]:
        lines.append(f"（天气数据暂时无法更新，以上为 {_time(data['updated_at'])} 的数据）")
    if street is None:
        lines.append("以上是江宁区的天气。" + ASK_STREET)
    today = data.get("today") or {}
    subtitle = f"{today.get('temp_min', 0):g}~{today.get('temp_max', 0):g}℃" if today else None
    return {"text": "\n".join(lines), "street": street,
            "cards": [_card("weather", data["place"]["code"], weather.summary(data), subtitle)]}


def _notices(q: str, street: str | None) -> dict:
    category = next((c for c, word in (("water", "水"), ("power", "电"), ("gas", "气")) if f"停{word}" in q), None)
    street_id = None
    if street:
        from backend.directory import service as directory

        found = directory.get_street_by_code(code=street)
        street_id = found.id if found else None
    where = places()[street].name if street in places() else "江宁区"
    items, _, _ = notices.for_resident(resident_id=None, street_id=street_id, community_id=None, mine_only=True,
                                       category=category, limit=MAX_CARDS, count_total=False)
    lead = f"{where}的{notice_states.CATEGORIES[category] if category else '最新公告'}："
    if category and not items:
        lead = f"{where}近期没有{notice_states.CATEGORIES[category]}。最新公告："
        items, _, _ = notices.for_resident(resident_id=None, street_id=street_id, community_id=None, mine_only=True,
                                           limit=MAX_CARDS, count_total=False)
    if not items:
        return {"text": f"{where}目前没有新的公告。", "cards": [], "street": street}
    lines = [lead]
    for n, item in enumerate(items, 1):
        window = f"（{_time(item['starts_at'])}—{_time(item['ends_at'])}，{item['affected_area']}）" \
            if item["starts_at"] and item["ends_at"] else ""
        lines.append(f"{n}. {item['title']}{window}")
    if street is None:
        lines.append(ASK_STREET)
    cards = [_card("notice", str(item["id"]), item["title"], item["category_label"]) for item in items]
    return {"text": "\n".join(lines), "cards": cards, "street": street}


def _hospitals(q: str, street: str | None) -> dict:
    specialty = specialty_in_text(q)
    weekend = bool(re.search(r"周末|周六|周日|星期六|星期天|星期日|双休|节假日", q))
    emergency = specialty == "急诊" or bool(re.search(r"急诊|晚上|夜里|半夜|凌晨", q))
    found = health.find(specialty=specialty, street_code=street, weekend=weekend, emergency=emergency,
                        limit=MAX_CARDS)
    lead = ""
    if not found and (specialty or weekend):
        lead = f"没有找到{'周末开诊的' if weekend else ''}{specialty or ''}，以下是附近的医疗机构：\n"
        found = health.find(street_code=street, limit=MAX_CARDS)
    if not found:
        return {"text": "抱歉，暂时没有医疗机构信息。", "cards": [], "street": street}
    what = "急诊" if emergency else (specialty or "")
    lines = [lead + (f"可以看{what}的医疗机构：" if what else "附近的医院和社区卫生服务中心：")]
    cards = []
    for n, facility in enumerate(found, 1):
        hours = f"急诊 {facility.emergency_hours}" if emergency else f"门诊 {facility.outpatient_hours}"
        extra = f"；周末 {facility.weekend_clinic}" if weekend and facility.weekend_clinic else ""
        lines.append(f"{n}. {facility.name}（{facility.address}，电话 {facility.phone}；{hours}{extra}）")
        cards.append(_card("hospital", facility.code, facility.name, facility.address))
    if street is None:
        lines.append(ASK_STREET)
    return {"text": "\n".join(lines), "cards": cards, "street": street}


def _aliased(q: str) -> str:
    for word, stop in PLACE_ALIASES.items():
        if word in q and stop not in q:
            q = q.replace(word, stop)
    return q


def _stop_label(name: str) -> str:
    """竹山路（地铁1号线） → 竹山路站（地铁1号线）; 东山总站 stays as it is."""
    base, line = re.match(r"^(.*?)(（.*）)?$", name).groups()
    return base + ("" if base.endswith("站") else "站") + (line or "")


def _transit(q: str, street: str | None) -> dict:
    text = _aliased(q)
    found_routes = transit.routes_in_text(text)
    found_stops = transit.stops_in_text(text)
    wants_times = bool(re.search(r"首班|末班|最后一班|头班|几点停运|几点收车|运营时间|几点开|几点有车|时刻", text))
    if found_routes and (wants_times or not found_stops):
        return _route_times(found_routes)
    if found_stops:
        destination = next((s for s in found_stops if re.search(r"(去|到|至|往)\s*" + re.escape(_base(s.name)), text)),
                           None)
        if destination is not None and not found_routes:
            return _routes_to(destination)
        return _arrivals(found_stops, found_routes)
    return _near(street)


def _base(name: str) -> str:
    return re.sub(r"（.*?）$", "", name)


def _routes_to(stop) -> dict:
    serving = transit.stops_near(lat=stop.lat, lon=stop.lon, radius_km=0.3, limit=5)
    names = sorted({name for s in serving if _base(s["name"]) == _base(stop.name) for name in s["routes"]})
    if not names:
        return {"text": f"暂时没有查到到{_stop_label(stop.name)}的线路。", "cards": []}
    by_name = {r.short_name: r for r in transit.routes()}
    result = _route_times([by_name[n] for n in names if n in by_name])
    result["text"] = f"到{_stop_label(stop.name)}可以乘坐：{'、'.join(names)}。\n" + result["text"]
    return result


def _route_times(found_routes) -> dict:
    lines, cards = [], []
    for route in found_routes[:MAX_CARDS]:
        times = transit.first_last(route_id=route.route_id)
        detail = "；".join(f"{t['from']}→{t['to']} 首班 {t['first']}，末班 {t['last']}" for t in times) or "今天不运营"
        lines.append(f"{route.short_name}（{route.long_name}）：{detail}")
        first = times[0] if times else None
        cards.append(_card("transit", route.route_id, route.short_name,
                           f"首班 {first['first']} 末班 {first['last']}" if first else "今天不运营"))
    return {"text": "\n".join(lines), "cards": cards}


def _arrivals(found_stops, found_routes) -> dict:
    stop = found_stops[0]
    stop_ids = [s.stop_id for s in found_stops if _base(s.name) == _base(stop.name)]
    route_id = found_routes[0].route_id if found_routes else None
    result = transit.next_arrivals(stop_ids=stop_ids, route_id=route_id, limit=2)
    items = result["items"][:6]
    label = _stop_label(_base(stop.name)) if len(stop_ids) > 1 else _stop_label(stop.name)
    lines = [f"{label}接下来的车："]
    if not items:
        lines = [f"{label}接下来 3 小时内没有{found_routes[0].short_name if found_routes else ''}班次。"]
        serving = transit.stops_near(lat=stop.lat, lon=stop.lon, radius_km=0.05, limit=1)
        if serving and serving[0]["routes"]:
            lines.append("经过该站的线路：" + "、".join(serving[0]["routes"]))
    for item in items:
        late = f"，晚点约 {item['delay_minutes']} 分钟" if item["delay_minutes"] > 0 else ""
        lines.append(f"{item['route']} 开往{item['headsign']}：{item['expected']}（约 {item['minutes_away']} 分钟后{late}）")
    realtime = result["realtime"]
    if realtime and realtime["stale"]:
        lines.append(f"（实时数据暂时无法更新，晚点信息为 {_time(realtime['updated_at'])} 的数据）")
    subtitle = f"{items[0]['route']} {items[0]['minutes_away']} 分钟后" if items else None
    return {"text": "\n".join(lines), "cards": [_card("transit", stop.stop_id, label, subtitle)]}


def _near(street: str | None) -> dict:
    place = places().get(street or "") or places()[DISTRICT]
    near = transit.stops_near(lat=place.lat, lon=place.lon, radius_km=5.0, limit=MAX_CARDS)
    if not near:
        return {"text": f"{place.name}附近暂时没有公交站点信息。", "cards": [], "street": street}
    lines = [f"{place.name}附近的站点："]
    for stop in near:
        lines.append(f"{_stop_label(stop['name'])}（{stop['distance_m']} 米）：{'、'.join(stop['routes'])}")
    lines.append("想查某路车的首末班或到站时间，可以说“江宁1路末班车几点”“竹山路站下一班车”。")
    if street is None:
        lines.append(ASK_STREET)
    cards = [_card("transit", s["stop_id"], _stop_label(s["name"]), "、".join(s["routes"][:3])) for s in near]
    return {"text": "\n".join(lines), "cards": cards, "street": street}
