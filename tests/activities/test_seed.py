"""The demo week: 20 activities across the streets, loaded once."""

from sqlalchemy import func, select

from backend.activities import seed
from backend.activities.models import Activity
from backend.extensions import db


def test_demo_activities_cover_the_streets_and_load_once(app, client):
    with app.app_context():
        seed.load()
        assert seed.load() == "activities: 0 new demo activities"
        titles = {title for title, *_ in seed.ACTIVITIES}
        rows = db.session.scalars(select(Activity).where(Activity.title.in_(titles))).all()
        assert len(rows) == 20
        assert db.session.scalar(select(func.count(func.distinct(Activity.street_id)))
                                 .where(Activity.title.in_(titles))) == 10
        assert all(r.cancel_deadline <= r.signup_deadline < r.starts_at < r.ends_at for r in rows)
    body = client.get("/api/mp/activities?street=qilin&upcoming=true").get_json()
    assert {"麒麟科创园读书会", "老年人智能手机教学"} <= {item["title"] for item in body["items"]}
