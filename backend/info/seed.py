"""Demo convenience information: a week of notices for 江宁 (outages included), hospitals and community health
centres, and the GTFS feed of a dozen bus routes and metro line 1 (files in backend/info/data/)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.directory import service as directory
from backend.extensions import db
from backend.info.health.models import Facility
from backend.info.notices import states
from backend.info.notices.models import Notice
from backend.info.transit.importer import import_feed
from backend.info.transit.models import TransitStopTime

DATA = Path(__file__).parent / "data"
GTFS = DATA / "gtfs"

# (street, community or None, category, title, body, affected area, start: (day offset, hour), hours)
DEMO_NOTICES = [
    (None, None, "general", "江宁区2027年度城乡居民医保开始缴费",
     "2027年度城乡居民基本医疗保险集中缴费期为即日起至12月31日，可通过“江苏医保云”小程序、银行网点或所在社区缴纳。", None, None, None),
    (None, None, "general", "冬季燃气安全提示",
     "冬季用气高峰，请居民注意厨房通风，定期检查燃气软管，发现燃气泄漏请立即关闭阀门、开窗通风，并拨打燃气抢修电话。", None, None, None),
    ("dongshan", "dongshan_zhushan", "water", "竹山社区计划停水通知",
     "因供水管网改造施工，届时将暂停供水，请居民提前做好储水准备。恢复供水初期水质可能浑浊，请放水片刻后使用。",
     "竹山路以东、天印大道以北的竹山社区各小区", (1, 9), 8),
    ("dongshan", None, "general", "东山街道冬季征兵报名通知",
     "2027年上半年征兵报名工作已经开始，适龄男女青年可登录全国征兵网报名，或到街道武装部咨询。", None, None, None),
    ("moling", None, "power", "秣陵街道计划停电通知",
     "因供电线路检修，以下区域将临时停电，请相关单位和居民提前做好准备。如遇雨雪天气，检修时间顺延。",
     "秣陵路沿线、将军大道以西部分小区及商铺", (2, 8), 9),
    ("moling", None, "general", "秣陵街道垃圾分类宣传周活动安排",
     "本周各社区将开展垃圾分类宣传，工作人员入户发放分类指南，欢迎居民参与。", None, None, None),
    ("tangshan", None, "gas", "汤山街道燃气管道检修停气通知",
     "因燃气管道检修，届时将暂停供气，请居民关闭燃气阀门，恢复供气后如有疑问请联系燃气公司。",
     "汤泉东路、汤山温泉周边居民区", (3, 9), 6),
    ("tangshan", None, "general", "汤山街道老年人免费体检通知",
     "65岁及以上常住居民可携带身份证到汤山街道社区卫生服务中心参加免费健康体检。", None, None, None),
    ("chunhua", None, "general", "淳化街道农村人居环境整治通知",
     "本月开展村庄环境集中整治，请各户清理房前屋后杂物，配合做好环境卫生。", None, None, None),
    ("chunhua", None, "water", "淳化街道临时停水通知",
     "因自来水管道抢修，部分区域临时停水，恢复时间视抢修进度而定。", "淳化大街南段及周边村组", (0, 14), 5),
    ("lukou", None, "power", "禄口街道电力设施改造停电通知",
     "因配电设施升级改造，以下区域停电，施工结束后立即恢复供电。", "禄口大街以东、机场路沿线部分区域", (4, 7), 10),
    ("lukou", None, "general", "禄口街道医保缴费服务点公告",
     "街道便民服务中心设立医保缴费服务点，工作日 9:00-17:00 可现场办理。", None, None, None),
    ("jiangning", None, "general", "江宁街道乡村公交线路调整通知",
     "江宁18路部分班次时间调整，详见站牌公告或在小程序“便民信息”中查询。", None, None, None),
    ("guli", None, "water", "谷里街道计划停水通知",
     "因供水设施维修，届时将暂停供水，请居民提前储水。", "谷里大街沿线及周边村组", (5, 9), 6),
    ("guli", None, "general", "谷里街道森林防火提示",
     "冬季天干物燥，进入林区严禁携带火种，严禁野外用火。", None, None, None),
    ("hushu", None, "power", "湖熟街道计划停电通知",
     "因线路检修，部分区域停电。", "湖熟大街北段、菊花村周边", (2, 13), 4),
    ("hushu", None, "general", "湖熟街道冬季送温暖活动通知",
     "街道将走访慰问困难家庭，如有需要请与所在社区联系。", None, None, None),
    ("hengxi", None, "general", "横溪街道西瓜种植技术培训通知",
     "农业服务中心将举办西瓜种植技术培训，欢迎种植户报名参加。", None, None, None),
    ("hengxi", None, "gas", "横溪街道燃气置换停气通知",
     "因天然气置换施工，部分居民区暂停供气。", "横溪大街两侧居民区", (1, 8), 8),
    ("qilin", None, "general", "麒麟街道道路施工交通提示",
     "麒麟大街部分路段施工，请过往车辆和行人注意绕行。", None, None, None),
    ("qilin", None, "water", "麒麟街道二次供水设施清洗停水通知",
     "为保障用水安全，将对部分小区二次供水设施进行清洗消毒，期间停水。", "麒麟大街以北的部分高层小区", (3, 9), 5),
]


def load_facilities() -> int:
    """Upserts the hospitals and community health centres by code."""
    existing = {f.code: f for f in db.session.scalars(select(Facility))}
    rows = json.loads((DATA / "health.json").read_text(encoding="utf-8"))
    for row in rows:
        facility = existing.get(row["code"]) or Facility(code=row["code"])
        facility.street = directory.get_street_by_code(code=row["street_code"])
        for key, value in row.items():
            if key not in ("code", "street_code"):
                setattr(facility, key, value)
        db.session.add(facility)
    db.session.commit()
    return len(rows)


def load_notices(now: datetime | None = None) -> int:
    """Publishes the demo notices (re-timed to the coming week on every run), written by the demo editor and
    approved by the demo supervisor."""
    now = now or utcnow()
    editor = directory.get_staff_by_username(username="editor")
    supervisor = directory.get_staff_by_username(username="supervisor")
    existing = {(n.title, n.street_id): n for n in db.session.scalars(select(Notice)).unique()}
    today = now.astimezone(BEIJING).date()
    for number, (street, community, category, title, body, area, start, hours) in enumerate(DEMO_NOTICES):
        street_obj = directory.get_street_by_code(code=street) if street else None
        notice = existing.get((title, street_obj.id if street_obj else None)) or Notice(title=title)
        notice.body, notice.category, notice.affected_area = body, category, area
        notice.street = street_obj
        notice.community = directory.get_community_by_code(code=community) if community else None
        notice.starts_at = notice.ends_at = None
        if start is not None:
            day, hour = start
            notice.starts_at = datetime.combine(today + timedelta(days=day), time(hour), tzinfo=BEIJING)
            notice.ends_at = notice.starts_at + timedelta(hours=hours)
        notice.status, notice.author_id, notice.approver_id = states.PUBLISHED, editor.id, supervisor.id
        notice.published_at = now - timedelta(hours=6 * (number % 12) + 1)
        notice.expires_at = (notice.ends_at + timedelta(days=1)) if notice.ends_at else now + timedelta(days=30)
        notice.withdrawn_at = notice.status_reason = None
        db.session.add(notice)
    db.session.commit()
    return len(DEMO_NOTICES)


def load_transit() -> dict[str, int]:
    """Imports the demo GTFS feed unless a schedule is already loaded."""
    if db.session.scalar(select(TransitStopTime.trip_id).limit(1)) is not None:
        return {}
    return import_feed(str(GTFS))


def load() -> str:
    """Loads every piece of demo convenience information."""
    facilities = load_facilities()
    notices = load_notices()
    transit = load_transit()
    loaded = f"{transit.get('transit_routes', 0)} routes, {transit.get('transit_stop_times', 0)} stop times" \
        if transit else "schedule already loaded"
    return f"info: {notices} notices, {facilities} health facilities, transit {loaded}"
