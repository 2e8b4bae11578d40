"""Browser tests: the built console served by a real gunicorn on the test database, driven by Debian's
Chromium through Playwright (never `playwright install`). Every page error and console error fails the test
unless the test names it as expected (a 404 the test provokes on purpose)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.bot_stack import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "screenshots" / "console"
SIZES = {"1280x800": {"width": 1280, "height": 800}, "1920x1080": {"width": 1920, "height": 1080}}
PASSWORD = "jiangning2026"


@pytest.fixture(scope="session")
def console_dist() -> Path:
    """The console's build, made (or brought up to date) by `make console`."""
    subprocess.run(["make", "-s", "console"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    dist = ROOT / "console" / "dist"
    assert (dist / "index.html").is_file(), "make console did not produce console/dist/index.html"
    return dist


class Live:
    """A gunicorn serving the app (API and console) on a free loopback port."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return
            except requests.RequestException:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def live(committed_app, test_env, console_dist):
    """The console and API under gunicorn on the test database; every filing waits for a dispatcher (routing is
    the worker's, and no worker runs), so tests decide where petitions go."""
    env = {**test_env, "CONSOLE_DIST": str(console_dist), "REDIS_PREFIX": committed_app.extensions["redis"].prefix,
           "PETITION_ROUTING": "worker"}
    server = Live(env)
    try:
        yield server
    finally:
        server.stop()


class Watched:
    """A page whose page errors and console errors are collected; `expect` names the few a test provokes."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.expected: list[re.Pattern] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(
            f"console.error: {msg.text} @ {msg.location.get('url', '')}"))

    def expect(self, pattern: str) -> None:
        """Allows console errors matching the pattern (e.g. the 404 of a ticket the test may not see)."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                                                    "--disable-background-networking", "--disable-component-update",
                                                    "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser, live):
    """Opens pages (one browser context each, at a given size) that fail the test on any unexpected error."""
    contexts, watched = [], []

    def factory(size: str = "1280x800") -> Watched:
        context = browser.new_context(viewport=SIZES[size], base_url=live.url, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = Watched(context.new_page())
        watched.append(page)
        return page

    yield factory
    problems = [e for page in watched for e in page.unexpected()]
    for context in contexts:
        context.close()
    assert not problems, "errors in the browser:\n" + "\n".join(problems)


def screenshot(page, name: str, size: str) -> Path:
    """Saves a full-page screenshot under var/screenshots/console/<size>/."""
    folder = SCREENSHOTS / size
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
