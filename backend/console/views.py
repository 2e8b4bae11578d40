"""The console's files: hashed assets cached for a year, everything else falls back to index.html."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

blp = Blueprint("console", __name__)

# Element Plus positions popups with inline style attributes, hence 'unsafe-inline' for styles only;
# scripts come from our own origin and nowhere else.
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
MISSING_BUILD = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>工作台未构建</title></head>
<body><h1>工作台尚未构建</h1><p>请运行 <code>make run</code>（或在 console/ 目录执行 <code>npm ci &amp;&amp; npm run build</code>）
后刷新本页。</p></body></html>"""


def _dist() -> Path:
    return Path(current_app.config["SETTINGS"].console_dist)


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _index() -> Response:
    dist = _dist()
    if not (dist / "index.html").is_file():
        response = Response(MISSING_BUILD, status=503, mimetype="text/html")
        response.headers["Retry-After"] = "60"
        return _secure(response)
    response = send_from_directory(dist, "index.html", max_age=0)
    # The page names this build's hashed files: always ask for the current one.
    response.headers["Cache-Control"] = "no-cache"
    return _secure(response)


@blp.route("/console")
def console_root():
    """Redirects to the console's base path."""
    return redirect("/console/", code=308)


@blp.route("/console/", defaults={"path": ""})
@blp.route("/console/<path:path>")
def console(path: str):
    """A file of the build, or index.html for the app's own routes (history mode)."""
    dist = _dist()
    # Dot-folders (Vite's .vite/manifest.json) are build metadata, not part of the site.
    hidden = any(part.startswith(".") for part in path.split("/"))
    target = safe_join(str(dist), path) if path and not hidden else None
    if target and Path(target).is_file():
        immutable = path.startswith("assets/")
        response = send_from_directory(dist, path, max_age=31536000 if immutable else 0)
        response.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if immutable else "no-cache")
        return _secure(response)
    if path.startswith("assets/"):
        # A missing hashed file is a stale page asking for an old build: a real 404, not the app.
        raise NotFound()
    return _index()
