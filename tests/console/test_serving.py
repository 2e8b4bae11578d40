"""Flask serves the console's build at /console/: history-mode fallback, caching, CSP, and a clear page when
the build is missing."""

from __future__ import annotations

import pytest


@pytest.fixture
def dist(app, tmp_path):
    """A stand-in build in a temporary folder, served instead of console/dist for the test."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/console/assets/app-1a2b.js">'
                                         "</script>", encoding="utf-8")
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (tmp_path / "robots.txt").write_text("User-agent: *")
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text("{}")
    settings = app.config["SETTINGS"]
    previous = settings.console_dist
    object.__setattr__(settings, "console_dist", str(tmp_path))
    yield tmp_path
    object.__setattr__(settings, "console_dist", previous)


def test_index_and_history_fallback_carry_the_csp(client, dist):
    for path in ("/console/", "/console/petitions/42", "/console/login?next=/petitions"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"app-1a2b.js" in response.data
        assert response.headers["Cache-Control"] == "no-cache"
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "style-src 'self' 'unsafe-inline'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/console").status_code == 308


def test_hashed_assets_are_cached_and_missing_ones_are_404(client, dist):
    asset = client.get("/console/assets/app-1a2b.js")
    assert asset.status_code == 200 and asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/console/robots.txt").headers["Cache-Control"] == "no-cache"
    missing = client.get("/console/assets/app-old.js")
    assert missing.status_code == 404 and missing.get_json()["code"] == 404
    # Build metadata and paths outside the build are never served as files.
    assert b"app-1a2b.js" in client.get("/console/.vite/manifest.json").data
    assert b"app-1a2b.js" in client.get("/console/..%2Fsecrets").data


def test_a_missing_build_is_a_clear_503_not_a_500(app, client, tmp_path):
    settings = app.config["SETTINGS"]
    previous = settings.console_dist
    object.__setattr__(settings, "console_dist", str(tmp_path / "nothing"))
    try:
        for path in ("/console/", "/console/petitions"):
            response = client.get(path)
            assert response.status_code == 503
            assert "工作台尚未构建" in response.get_data(as_text=True)
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    finally:
        object.__setattr__(settings, "console_dist", previous)
