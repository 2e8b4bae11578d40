"""Extensions created unbound; create_app binds them with init_app."""

from functools import lru_cache

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from backend.core.redis import RedisHolder

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
redis_store = RedisHolder()


@lru_cache(maxsize=16)
def _url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def database_key() -> str:
    """The current app's database URL (password hidden), for per-database caches; rendering a URL is
    costly enough to matter on hot paths, so it is remembered per engine."""
    return _url_of(db.engine)
