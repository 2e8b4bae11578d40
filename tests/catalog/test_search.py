"""Search: fresh in every process, identical on SQLite and PostgreSQL, forgiving of colloquial input."""

import pytest

from backend.app import create_app
from backend.catalog import search, service
from backend.catalog.transfer import export_row
from backend.extensions import db
from backend.settings import Settings

QUESTIONS = [
    "身份证丢了怎么办", "孩子刚出生怎么上户口", "结婚登记", "退休了怎么领养老金", "医保报销", "居住证", "失业金",
    "生二胎", "办营业执照", "公积金提取", "路灯坏了", "证明", "登记", "补贴", "", "办", "OR 1=1",
]


def _codes(query, **filters):
    return [hit.code for hit in search.search(query=query, **filters)]


def test_an_edit_reaches_another_worker_at_once(committed_app):
    # A second app object has its own cache and connection pool, as a second gunicorn worker would.
    other = create_app(committed_app.config["SETTINGS"], TESTING=True)
    with other.app_context():
        assert "320115-GA-004" not in _codes("鼹鼠考古队")
        snapshot = search.refresh()
        before = snapshot.revision
    with committed_app.app_context():
        item = service.get_by_code(code="320115-GA-004")
        original = export_row(item)
    try:
        with committed_app.app_context():
            service.update_item(item=service.get_by_code(code="320115-GA-004"),
                                data={"aliases": [*original["aliases"], "鼹鼠考古队"]})
        with other.app_context():
            assert _codes("鼹鼠考古队")[0] == "320115-GA-004"
            assert search.refresh() is snapshot and snapshot.revision == before + 1
            assert len(snapshot.entries) == len(service.all_items())
        with committed_app.app_context():
            service.set_status(item=service.get_by_code(code="320115-GA-004"), status="draft")
        with other.app_context():
            assert "320115-GA-004" not in _codes("鼹鼠考古队")
            assert _codes("鼹鼠考古队", status=None)[0] == "320115-GA-004"
    finally:
        with committed_app.app_context():
            item = service.get_by_code(code="320115-GA-004")
            service.update_item(item=item, data={"aliases": original["aliases"], "status": original["status"]})
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    with other.app_context():
        assert "320115-GA-004" not in _codes("鼹鼠考古队")


def test_a_cached_result_page_follows_an_edit_in_another_worker(committed_app):
    # The resident API keeps rendered pages per process and revision; an edit must show in the next one.
    other = create_app(committed_app.config["SETTINGS"], TESTING=True)
    path = "/api/mp/services?q=%E8%BA%AB%E4%BB%BD%E8%AF%81&limit=5"
    first = other.test_client().get(path).get_json()
    assert other.test_client().get(path).get_json() == first
    code = first["items"][0]["code"]
    with committed_app.app_context():
        original = export_row(service.get_by_code(code=code))
    try:
        with committed_app.app_context():
            service.update_item(item=service.get_by_code(code=code),
                                data={"summary": "鼹鼠考古队的说明", "fee": "十元"})
        again = other.test_client().get(path).get_json()
        entry = next(item for item in again["items"] if item["code"] == code)
        assert (entry["summary"], entry["fee"]) == ("鼹鼠考古队的说明", "十元")
        with committed_app.app_context():
            service.set_status(item=service.get_by_code(code=code), status="draft")
        assert code not in [item["code"] for item in other.test_client().get(path).get_json()["items"]]
    finally:
        with committed_app.app_context():
            service.update_item(item=service.get_by_code(code=code), data={
                "summary": original["summary"], "fee": original["fee"], "status": original["status"]})
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    assert other.test_client().get(path).get_json() == first


def test_same_ranking_on_sqlite_and_the_test_database(base_app, tmp_path, test_env):
    """With DATABASE_URL set the test database is PostgreSQL, so this compares the two engines."""
    from flask_migrate import upgrade

    from backend import seed
    from backend.catalog.evaluation import DEFAULT_EVAL_FILE, read_pairs
    from tests.core.test_migrations import MIGRATIONS

    questions = QUESTIONS + ([q for q, _ in read_pairs(DEFAULT_EVAL_FILE)] if DEFAULT_EVAL_FILE.exists() else [])
    filters = [{}, {"status": None}, {"theme": "社会保障"}, {"audience": "法人"}, {"department": "civil_affairs"}]

    def ranking(app):
        with app.app_context():
            return [[(hit.code, hit.score) for hit in search.search(query=q, **f)] for q in questions for f in filters]

    env = {**test_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'same.sqlite3'}", "REDIS_URL": ""}
    sqlite_app = create_app(Settings.from_env(env))
    with sqlite_app.app_context():
        upgrade(directory=str(MIGRATIONS))
        seed.load_all()
    try:
        expected = ranking(sqlite_app)
        assert sum(map(len, expected)) > len(questions) * 3
        assert ranking(base_app) == expected
    finally:
        with sqlite_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("query, code", [
    ("身分证补办", "320115-GA-001"),       # a common typo: the bigram fallback still finds it
    ("居住正", "320115-GA-004"),           # typo of 居住证
    ("ＯＫ身份证", "320115-GA-001"),        # full-width letters
    ("我想问一下身份证丢了咋整", "320115-GA-001"),
])
def test_colloquial_and_mistyped_questions(app, query, code):
    with app.app_context():
        assert _codes(query)[0] == code


def test_no_words_no_results(app):
    with app.app_context():
        assert search.search(query="怎么办啊") == []
        assert search.search(query="！？。") == []


def test_index_survives_a_rolled_back_revision(app):
    """A cache that saw an uncommitted revision reloads once that revision is gone."""
    with app.app_context():
        snapshot = search.refresh()
        before = snapshot.revision
        item = service.get_by_code(code="320115-GA-001")
        nested = db.session.begin_nested()
        service.apply(item=item, data={"aliases": ["火星移民"]})
        from backend.catalog import index

        index.reindex(items=[item])
        assert _codes("火星移民") == ["320115-GA-001"]
        nested.rollback()
        assert "320115-GA-001" not in _codes("火星移民")
        assert search.refresh().revision == before


def test_the_revision_check_survives_a_dropped_connection(committed_app):
    # Each process checks the revision on a connection of its own; a dropped one must neither serve a
    # stale page nor fail the request.
    other = create_app(committed_app.config["SETTINGS"], TESTING=True)
    path = "/api/mp/services?q=%E5%B1%85%E4%BD%8F%E8%AF%81&limit=5"
    first = other.test_client().get(path).get_json()
    code = first["items"][0]["code"]
    with committed_app.app_context():
        original = export_row(service.get_by_code(code=code))
    try:
        with other.app_context():
            snapshot = search._snapshot()
            assert snapshot.probe is not None
            snapshot.probe.close()
        with committed_app.app_context():
            service.update_item(item=service.get_by_code(code=code), data={"fee": "十元"})
        again = other.test_client().get(path)
        assert again.status_code == 200
        assert next(item for item in again.get_json()["items"] if item["code"] == code)["fee"] == "十元"
    finally:
        with committed_app.app_context():
            service.update_item(item=service.get_by_code(code=code), data={"fee": original["fee"]})
        with other.app_context():
            search._close_probe(search._snapshot())
            db.session.remove()
            db.engine.dispose()


def test_cached_candidates_give_the_answers_of_a_cold_search(app):
    # Wordings of one question share their scored candidates; each must still rank as if computed alone.
    wordings = [v.format(q) for q in ("身份证丢了", "结婚登记", "医保报销", "营业执照")
                for v in ("{}", "请问{}", "{}怎么办", "我想{}", "{}需要什么材料")]
    with app.app_context():
        snapshot = search.refresh()
        cold = {}
        for query in wordings:
            snapshot.forget_answers()
            cold[query] = search.search_page(query=query, limit=5)
        snapshot.forget_answers()
        warm = {query: search.search_page(query=query, limit=5) for query in wordings}
        assert len(snapshot.candidates) < len(wordings)
    assert warm == cold
