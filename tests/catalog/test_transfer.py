"""flask catalog export/import: lossless round trips, all-or-nothing imports with every error listed."""

import csv
import io
import json

import pytest

from backend.app import create_app
from backend.settings import Settings
from tests.catalog.conftest import demo_items


@pytest.fixture
def empty_catalog_app(tmp_path, test_env):
    """A second deployment on a fresh SQLite database with the directory but no items."""
    from flask_migrate import upgrade

    from backend.directory import seed as directory_seed
    from backend.extensions import db
    from tests.core.test_migrations import MIGRATIONS

    env = {**test_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "REDIS_URL": ""}
    app = create_app(Settings.from_env(env))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        directory_seed.load()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _export(app, fmt, path):
    result = app.test_cli_runner().invoke(args=["catalog", "export", "--format", fmt, "--output", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_is_lossless(base_app, empty_catalog_app, tmp_path, fmt):
    # base_app, not app: the transactional fixture would route the second app's session to the test database.
    app = base_app
    original = _export(app, fmt, tmp_path / f"original.{fmt}")
    result = empty_catalog_app.test_cli_runner().invoke(args=["catalog", "import", str(tmp_path / f"original.{fmt}")])
    assert result.exit_code == 0, result.output
    assert f"新增 {len(demo_items())} 个" in result.output
    assert _export(empty_catalog_app, fmt, tmp_path / f"again.{fmt}") == original
    other = "csv" if fmt == "json" else "json"
    assert _export(empty_catalog_app, other, tmp_path / f"x.{other}") == _export(app, other, tmp_path / f"y.{other}")
    with empty_catalog_app.test_client() as client:
        body = client.get("/api/mp/services", query_string={"q": "身份证丢了"}).get_json()
        assert body["items"][0]["code"] == "320115-GA-001"


def test_json_export_matches_the_demo_file(app, tmp_path):
    exported = json.loads(_export(app, "json", tmp_path / "items.json"))
    by_code = {row["code"]: row for row in demo_items()}
    assert len(exported) == len(by_code)
    for row in exported:
        source = by_code[row["code"]]
        assert {key: row[key] for key in source} == source


def _csv_with_errors(app, tmp_path):
    rows = list(csv.DictReader(io.StringIO(_export(app, "csv", tmp_path / "all.csv"))))[:4]
    materials = json.loads(rows[0]["materials"])
    materials[0]["form"] = "传真件"
    rows[0]["materials"] = json.dumps(materials, ensure_ascii=False)
    rows[0]["summary"] = "第一行\n第二行"  # a cell over two lines: later rows still get their real line numbers
    rows[1]["code"] = "320115-NEW-777"
    rows[2]["audience"] = "外星人"
    rows[2]["promised_time_limit_days"] = "-3"
    rows[3]["aliases"] = "[不是 JSON"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "broken.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_an_invalid_row_imports_nothing_and_every_error_is_listed(app, tmp_path):
    from backend.catalog import service

    path = _csv_with_errors(app, tmp_path)
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    output = result.output  # click ≥ 8.2: stdout and stderr interleaved, as a terminal shows them
    assert "第 2 行 materials[1].form：取值应为以下之一" in output
    assert "第 5 行 audience：取值应为以下之一" in output
    assert "第 5 行 promised_time_limit_days：应大于等于 0" in output
    assert "第 6 行 aliases：不是有效的 JSON 文本" in output
    assert "3 行有错误，未导入任何事项" in output
    with app.app_context():
        assert service.get_by_code(code="320115-NEW-777") is None


@pytest.mark.parametrize("name, content, message", [
    ("items.xlsx", b"PK", "无法识别的文件类型"),
    ("items.json", b"{\"code\": 1}", "JSON 文件应为事项列表"),
    ("items.json", b"[{\"code\": ", "JSON 格式错误"),
    ("items.csv", "编码,名称\n1,2\n".encode(), "CSV 表头缺少列"),
    ("items.csv", b"code,name\n\xff\xfe,x\n", "文件不是 UTF-8 编码"),
])
def test_unreadable_files_are_refused(app, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output


def test_json_rows_are_numbered_by_position(app, tmp_path):
    rows = json.loads(_export(app, "json", tmp_path / "all.json"))[:3]
    rows[2]["themes"] = ["买彩票"]
    rows[1] = "不是对象"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert "第 3 行 themes[1]：取值应为以下之一" in result.output
    assert "第 2 行" in result.output
