"""Migrations: one head, they run on SQLite and PostgreSQL, and they match the models."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.app import create_app
from backend.extensions import db
from backend.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _script():
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_single_head():
    assert len(_script().get_heads()) == 1


def _diff(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_models_match_migrations_on_the_test_database(base_app):
    with base_app.app_context():
        assert _diff(db.engine) == []


def test_migrations_run_on_sqlite_and_match(tmp_path):
    from flask_migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = create_app(Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "x" * 40, "DATABASE_URL": url}))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        assert _diff(db.engine) == []
        downgrade(directory=str(MIGRATIONS), revision="base")
        upgrade(directory=str(MIGRATIONS))
        db.engine.dispose()
