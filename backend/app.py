"""The application factory."""

from __future__ import annotations

import logging
from importlib import import_module

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import seed
from backend.core import database, docs, edge, errors
from backend.core.masking import install_log_masking
from backend.core.models import render_item
from backend.core.security import SESSION_COOKIE
from backend.extensions import api, db, migrate, redis_store
from backend.outbox import service as outbox
from backend.residents import service as residents
from backend.settings import Settings
from integrations import wechat

# Each entry is "module:blueprint"; domains add theirs here.
BLUEPRINTS = (
    "backend.core.health:blp",
    "backend.core.docs:blp",
    "backend.directory.views:blp",
    "backend.directory.staff_views:blp",
    "miniprogram_api.directory:blp",
    "backend.conversations.views:blp",
    "miniprogram_api.chat:blp",
    "miniprogram_api.auth:blp",
    "miniprogram_api.me:blp",
    "backend.catalog.views:blp",
    "miniprogram_api.catalog:blp",
    "backend.petitions.views:blp",
    "backend.petitions.bot_views:blp",
    "miniprogram_api.petitions:blp",
    "backend.routing.views:blp",
    "backend.analytics.views:blp",
    "backend.notifications.views:blp",
    "backend.officialaccount.views:blp",
    "backend.open311.views:blp",
    "backend.open311.views:staff_blp",
    "backend.activities.views:blp",
    "miniprogram_api.activities:blp",
    "backend.alerts.views:blp",
    "miniprogram_api.alerts:blp",
    "backend.reply_templates.views:blp",
    "backend.console.views:blp",
    "backend.info.notices.views:blp",
    "backend.info.health.views:blp",
    "backend.info.bot_views:blp",
    "miniprogram_api.info:blp",
)
# Each entry is "module:command"; click groups added to `flask`.
COMMANDS = (
    "backend.catalog.cli:catalog",
    "backend.petitions.cli:petitions",
    "backend.open311.cli:open311",
    "backend.info.transit.cli:transit",
)
# Imported so that Alembic and create_all see every table.
MODEL_MODULES = (
    "backend.core.ratelimit",
    "backend.directory.models",
    "backend.catalog.models",
    "backend.residents.models",
    "backend.outbox.models",
    "backend.conversations.models",
    "backend.calendar.models",
    "backend.routing.models",
    "backend.petitions.models",
    "backend.notifications.models",
    "backend.officialaccount.models",
    "backend.open311.models",
    "backend.activities.models",
    "backend.alerts.models",
    "backend.audit.models",
    "backend.reply_templates.models",
    "backend.info.snapshots",
    "backend.info.notices.models",
    "backend.info.health.models",
    "backend.info.transit.models",
)


class _NoSessions(SecureCookieSessionInterface):
    """Flask's cookie session, switched off (every API call carries a bearer token instead)."""

    def open_session(self, app, request):
        return None


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Builds the app from settings (environment by default); nothing connects here."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_relative_config=False)
    # Bearer tokens only: no cookie session to open and save on every request.
    app.session_interface = _NoSessions()
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=database.engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes * 10,
        JSON_AS_ASCII=False,
        API_TITLE="指尖政务 API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/api/docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/static/",
    )
    app.config.update(overrides)
    if settings.trusted_proxies:
        # Only the last N hops of X-Forwarded-For were written by our proxies; believing more (or any, with no
        # proxy) would let a client forge its address past the per-address sign-in limits.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    app.json.ensure_ascii = False
    # Before any route is added: the bounded `int` converter must be the one every rule compiles with.
    edge.init_app(app)
    for module in MODEL_MODULES:
        import_module(module)
    db.init_app(app)
    database.end_sessions_safely(app, db)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True,
                     render_item=render_item)
    redis_store.init_app(app)
    wechat.init_app(app)
    outbox.init_app(app)
    app.config.setdefault("RESIDENT_LOADER", residents.openid_of)
    api.init_app(app, spec_kwargs={"extra_plugins": [docs.DocConventions()]})
    api.spec.components.security_scheme("cookieSession", {
        "type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
        "description": "控制台会话（POST /api/v1/auth/session 设置）；非安全方法须带 X-CSRF-Token 请求头"})
    for target in BLUEPRINTS:
        module, _, attr = target.partition(":")
        blueprint = getattr(import_module(module), attr)
        if isinstance(blueprint, SmorestBlueprint):
            api.register_blueprint(blueprint)
        else:
            app.register_blueprint(blueprint)
    seed.register(app)
    for target in COMMANDS:
        module, _, attr = target.partition(":")
        app.cli.add_command(getattr(import_module(module), attr))
    with app.app_context():
        database.tune_engine(db.engine)
    errors.register(app)
    if not app.logger.handlers:
        logging.basicConfig(level=logging.INFO)
    install_log_masking()
    return app


def _migrations_dir():
    from backend.settings import ROOT

    return ROOT / "migrations"
