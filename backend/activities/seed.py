"""Demo activities: 20 volunteer activities of the coming week across the streets of 江宁 (idempotent)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from backend.activities.models import PUBLISHED, Activity
from backend.calendar.service import BEIJING
from backend.core.models import utcnow
from backend.directory.service import get_staff_by_username, get_street_by_code
from backend.extensions import db

# (title, street, place, day from today, start hour, hours, capacity, requirements)
ACTIVITIES = (
    ("秦淮河岸垃圾清捡", "dongshan", "东山街道竹山路河岸", 1, 9, 2, 30, "穿运动鞋，自带水杯"),
    ("社区敬老院探访", "dongshan", "东山街道上元社区养老服务中心", 2, 14, 2, 15, "会说南京话优先"),
    ("文明交通劝导", "dongshan", "东山街道天元路与竹山路路口", 3, 7, 2, 20, "需站立两小时，提供马甲"),
    ("秣陵老街文化讲解", "moling", "秣陵街道秣陵老街游客中心", 1, 9, 3, 10, "熟悉秣陵历史"),
    ("反诈宣传进社区", "moling", "秣陵街道新街社区广场", 4, 15, 2, 25, ""),
    ("汤山温泉景区文明引导", "tangshan", "汤山街道汤山温泉游客中心", 2, 10, 3, 20, "年满 18 周岁"),
    ("山林防火巡查宣传", "tangshan", "汤山街道阳山碑材景区入口", 5, 9, 3, 12, "体能良好"),
    ("淳化农贸市场环境整治", "chunhua", "淳化街道农贸市场", 1, 8, 2, 20, "自带手套"),
    ("留守儿童课业辅导", "chunhua", "淳化街道新时代文明实践站", 3, 16, 2, 8, "高中及以上学历"),
    ("湖熟菊花展志愿讲解", "hushu", "湖熟街道菊花园", 2, 9, 4, 15, ""),
    ("垃圾分类入户宣传", "hushu", "湖熟街道和平社区", 6, 9, 2, 20, ""),
    ("禄口机场周边环境清整", "lukou", "禄口街道机场路沿线", 4, 8, 3, 30, "穿反光背心（提供）"),
    ("义务理发进社区", "lukou", "禄口街道陆纲社区服务站", 5, 9, 3, 6, "有理发手艺"),
    ("谷里农家书屋整理", "guli", "谷里街道新时代文明实践站", 2, 14, 2, 10, ""),
    ("乡村振兴采摘助农", "guli", "谷里街道大塘金香草谷", 6, 8, 4, 25, "自带遮阳帽"),
    ("江宁滨江湿地护鸟宣传", "jiangning", "江宁街道滨江湿地公园", 3, 8, 3, 15, "自带望远镜更佳"),
    ("长江岸线净滩行动", "jiangning", "江宁街道长江岸线", 5, 8, 3, 40, "年满 16 周岁，未成年人需监护人同意"),
    ("横溪西瓜节秩序维护", "hengxi", "横溪街道西瓜节主会场", 4, 9, 4, 30, ""),
    ("麒麟科创园读书会", "qilin", "麒麟街道科创园图书角", 1, 19, 2, 20, ""),
    ("老年人智能手机教学", "qilin", "麒麟街道麒麟门社区活动室", 6, 14, 2, 12, "耐心细致"),
)


def load() -> str:
    """Creates the demo activities that are missing (by title and street) and commits."""
    organiser = get_staff_by_username(username="organiser")
    if organiser is None:
        return "activities: no organiser account, skipped"
    existing = {(title, street_id) for title, street_id in db.session.execute(select(Activity.title, Activity.street_id))}
    today = utcnow().astimezone(BEIJING).date()
    created = 0
    for title, street_code, place, day, hour, hours, capacity, requirements in ACTIVITIES:
        street = get_street_by_code(code=street_code)
        if street is None or (title, street.id) in existing:
            continue
        starts = datetime.combine(today + timedelta(days=day), time(hour), tzinfo=BEIJING)
        db.session.add(Activity(
            title=title, description=f"{title}，欢迎居民报名参加新时代文明实践志愿服务。", requirements=requirements,
            place=place, street_id=street.id, organiser_id=organiser.id, starts_at=starts,
            ends_at=starts + timedelta(hours=hours), signup_deadline=starts - timedelta(hours=12),
            cancel_deadline=starts - timedelta(hours=24), capacity=capacity, status=PUBLISHED,
            confirmed_count=0, waitlisted_count=0, waitlist_seq=0,
        ))
        created += 1
    db.session.commit()
    return f"activities: {created} new demo activities"
