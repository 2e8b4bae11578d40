"""The console's security (CSP, cookie flags, CSRF), role-based navigation and every main page at 1280×800 and
1920×1080, with screenshots under var/screenshots/console/."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.conftest import SIZES, screenshot
from tests.e2e.helpers import file_and_dispatch, new_resident, sign_in, staff_headers

pytestmark = pytest.mark.browser


def _directive(csp: str, name: str) -> str:
    return next(part.strip() for part in csp.split(";") if part.strip().startswith(name + " "))


def test_console_headers_history_fallback_and_caching(live):
    index = requests.get(f"{live.url}/console/", timeout=10)
    assert index.status_code == 200 and index.headers["Cache-Control"] == "no-cache"
    csp = index.headers["Content-Security-Policy"]
    assert _directive(csp, "script-src") == "script-src 'self'"
    assert "'unsafe-inline'" not in _directive(csp, "default-src")
    assert "frame-ancestors 'none'" in csp
    deep = requests.get(f"{live.url}/console/petitions/123", timeout=10)
    assert deep.status_code == 200 and deep.text == index.text
    script = re.search(r'src="(/console/assets/[^"]+\.js)"', index.text).group(1)
    asset = requests.get(live.url + script, timeout=10)
    assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]
    assert requests.get(f"{live.url}/console/assets/missing-0000.js", timeout=10).status_code == 404
    assert requests.get(f"{live.url}/console/.vite/manifest.json", timeout=10).text == index.text
    # Nothing is loaded from another host.
    assert not re.search(r'(src|href)="(https?:)?//', index.text)


def test_session_cookie_is_httponly_strict_and_unsafe_requests_need_the_csrf_token(committed_app, live, open_page):
    resident = new_resident(committed_app)
    mine = file_and_dispatch(live, resident, staff_headers(live, "dispatcher"), "urban_management",
                             "小区里的路灯一直不亮，晚上很危险")
    page = open_page("1280x800")
    p = page.page
    sign_in(p, "clerk_urban_management")
    [cookie] = [c for c in p.context.cookies() if c["name"] == "zj_session"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/api/v1"
    assert cookie["secure"] is False  # plain-http test deployment; production forces Secure (unit-tested)
    assert "zj_session" not in p.evaluate("document.cookie")

    api = p.context.request
    refused = api.post(f"{live.url}/api/v1/petitions/{mine['id']}/notes", data={"body": "没有令牌的请求"})
    assert refused.status == 403
    assert "CSRF" in refused.json()["message"] and refused.json()["code"] == 403
    forged = api.post(f"{live.url}/api/v1/petitions/{mine['id']}/notes", data={"body": "伪造的令牌"},
                      headers={"X-CSRF-Token": "forged"})
    assert forged.status == 403
    token = api.get(f"{live.url}/api/v1/auth/session").json()["csrf_token"]
    accepted = api.post(f"{live.url}/api/v1/petitions/{mine['id']}/notes", data={"body": "带令牌的请求"},
                        headers={"X-CSRF-Token": token})
    assert accepted.status == 201
    # Bearer callers (scripts, the bot) need no CSRF token.
    scripted = requests.post(f"{live.url}/api/v1/petitions/{mine['id']}/notes", json={"body": "脚本的备注"},
                             headers=staff_headers(live, "clerk_urban_management"), timeout=10)
    assert scripted.status_code == 201

    p.locator('[data-test="user-menu"]').click()
    p.get_by_role("menuitem", name="退出登录").click()
    p.wait_for_url("**/console/login")
    assert api.get(f"{live.url}/api/v1/auth/session").json()["authenticated"] is False
    p.goto("/console/petitions")
    p.wait_for_url("**/console/login?next=/petitions")


@pytest.mark.parametrize("size", list(SIZES))
def test_main_pages_by_role(committed_app, live, open_page, size):
    resident = new_resident(committed_app)
    dispatcher = staff_headers(live, "dispatcher")
    ticket = file_and_dispatch(live, resident, dispatcher, "urban_management",
                               "菜市场门口的占道经营很严重，早上车辆过不去，希望尽快整治。\n第二行：附近居民都有反映。")
    file_and_dispatch(live, resident, dispatcher, "transport", "公交站台的顶棚破了，下雨天没法等车")

    login = open_page(size)
    login.page.goto("/console/login")
    login.page.get_by_label("用户名").wait_for()
    screenshot(login.page, "login", size)

    clerk = open_page(size)
    sign_in(clerk.page, "clerk_urban_management")
    menu = clerk.page.locator(".el-menu-item")
    assert menu.all_inner_texts() == ["诉求办理", "常用语"]
    clerk.page.goto("/console/templates")
    clerk.page.get_by_role("button", name="新增常用语").click()
    form = clerk.page.get_by_role("dialog", name="新增常用语")
    form.get_by_label("标题").fill("已转相关中队")
    form.get_by_label("内容").fill("您好，您反映的问题（{number}）已转交执法中队现场处理。")
    form.get_by_role("button", name="保存").click()
    clerk.page.locator(".el-table__row", has_text="已转相关中队").wait_for()
    screenshot(clerk.page, "templates-clerk", size)
    clerk.page.goto("/console/admin/staff")
    clerk.page.get_by_text("您的账号没有权限访问该页面").wait_for()

    admin = open_page(size)
    sign_in(admin.page, "admin")
    assert admin.page.locator(".el-menu-item").all_inner_texts() == ["诉求办理", "常用语", "账号管理"]
    admin.page.locator(".el-table__row", has_text=ticket["number"]).wait_for()
    assert admin.page.locator(".el-table__row").count() == 2  # oversight sees every department's
    screenshot(admin.page, "workspace-admin", size)
    # The filters submit with Enter.
    admin.page.get_by_placeholder("内容、地址或编号").fill("菜市场")
    admin.page.get_by_placeholder("内容、地址或编号").press("Enter")
    admin.page.get_by_text("共 1 件").wait_for()
    assert admin.page.locator(".el-table__row").count() == 1
    admin.page.goto(f"/console/petitions/{ticket['id']}")
    admin.page.locator('[data-test="content"]').wait_for()
    assert "第二行：附近居民都有反映。" in admin.page.locator('[data-test="content"]').inner_text()
    screenshot(admin.page, "ticket-admin", size)
    admin.page.goto("/console/admin/staff")
    admin.page.locator(".el-table__row", has_text="clerk_urban_management").wait_for()
    screenshot(admin.page, "staff-admin", size)
    admin.page.goto("/console/account/password")
    admin.page.get_by_label("原密码").wait_for()
    screenshot(admin.page, "password", size)

    trainer = open_page(size)
    sign_in(trainer.page, "trainer")
    trainer.page.get_by_text("您的角色对应的工作台页面正在建设中").wait_for()
    assert trainer.page.locator(".el-menu-item").count() == 0
