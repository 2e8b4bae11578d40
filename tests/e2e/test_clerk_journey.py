"""A clerk's day in the real console: sign in, take a ticket from 待签收, answer it with a template, and the
resident sees the answer; another department's ticket stays out of reach."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import file_and_dispatch, new_resident, sign_in, staff_headers

pytestmark = pytest.mark.browser

QUEUE_LABELS = ["待签收", "办理中", "即将超时", "已超时", "已答复待评价", "已办结", "退回/转派"]
HOSTILE = '路灯坏了 <script>window.__pwned = 1</script><b id="bold">加粗</b> <img src=x onerror="window.__pwned=2">'


def test_clerk_takes_a_ticket_answers_it_with_a_template_and_the_resident_sees_it(committed_app, live, open_page):
    resident = new_resident(committed_app)
    dispatcher = staff_headers(live, "dispatcher")
    clerk_api = staff_headers(live, "clerk_urban_management")
    mine = file_and_dispatch(live, resident, dispatcher, "urban_management", HOSTILE)
    created = requests.post(f"{live.url}/api/v1/reply-templates", headers=clerk_api, timeout=10, json={
        "title": "已处理完毕", "body": "您好，您反映的诉求（编号 {number}）已于 {date} 处理完毕，感谢监督。"})
    assert created.status_code == 201, created.text

    page = open_page("1280x800")
    sign_in(page.page, "clerk_urban_management")
    p = page.page
    p.wait_for_url("**/console/petitions")
    p.locator('[data-queue="returned_transferred"]').wait_for()
    tabs = p.locator(".el-tabs__item")
    for label in QUEUE_LABELS:
        assert tabs.filter(has_text=label).count() == 1, label
    pending = p.locator('[data-queue="pending_accept"] [data-test="queue-count"]')
    assert pending.inner_text() == "1"
    row = p.locator(".el-table__row", has_text=mine["number"])
    row.wait_for()
    screenshot(p, "workspace", "1280x800")

    row.get_by_role("link", name=mine["number"]).click()
    p.wait_for_url(f"**/console/petitions/{mine['id']}")
    content = p.locator('[data-test="content"]')
    # The resident's text is shown as text: the markup is visible and nothing of it ran or rendered.
    assert "<script>window.__pwned = 1</script>" in content.inner_text()
    assert content.locator("b, img, script").count() == 0
    assert p.evaluate("window.__pwned") is None
    assert p.locator('[data-test="phone"]').inner_text() != ""
    assert sorted(p.locator('[data-test="actions"] button').all_inner_texts()) == sorted(["签收", "退回"])
    screenshot(p, "ticket-dispatched", "1280x800")

    # 签收 by keyboard: the action button takes focus and Enter presses it; the confirmation too.
    p.locator('[data-action="accept"]').focus()
    p.keyboard.press("Enter")
    p.get_by_role("dialog").get_by_role("button", name="确定").focus()
    p.keyboard.press("Enter")
    p.locator('[data-test="status"]', has_text="办理中").wait_for()
    assert sorted(p.locator('[data-test="actions"] button').all_inner_texts()) == sorted(["答复", "申请延期"])

    p.locator('[data-action="reply"]').click()
    dialog = p.get_by_role("dialog", name="答复居民")
    dialog.locator('[data-test="template-select"]').click()
    p.get_by_role("option", name="已处理完毕").click()
    text = dialog.locator('textarea')
    assert re.search(rf"编号 {mine['number']}）已于 \d{{4}}年\d{{1,2}}月\d{{1,2}}日 处理完毕", text.input_value())
    answer = text.input_value()
    dialog.locator('[data-test="reply-submit"]').click()
    p.locator('[data-test="status"]', has_text="已答复待评价").wait_for()
    dialog.wait_for(state="hidden")
    assert p.locator('[data-test="reply"]').inner_text() == answer
    timeline = p.locator(".el-timeline").inner_text()
    assert "签收" in timeline and "答复" in timeline and "派单" in timeline
    screenshot(p, "ticket-replied", "1280x800")

    seen = requests.get(f"{live.url}/api/mp/petitions/{mine['id']}", headers=resident, timeout=10).json()
    assert seen["status"] == "replied"
    assert [r["content"] for r in seen["replies"]] == [answer]


def test_clerk_cannot_reach_another_departments_ticket(committed_app, live, open_page):
    resident = new_resident(committed_app)
    dispatcher = staff_headers(live, "dispatcher")
    theirs = file_and_dispatch(live, resident, dispatcher, "ecology_environment", "河道里有人倾倒垃圾，气味很大")
    mine = file_and_dispatch(live, resident, dispatcher, "urban_management", "人行道上的井盖松动，走上去会响")

    page = open_page("1280x800")
    p = page.page
    sign_in(p, "clerk_urban_management")
    p.locator(".el-table__row", has_text=mine["number"]).wait_for()
    assert p.locator(".el-table__row", has_text=theirs["number"]).count() == 0

    # By URL: the page says so in Chinese; the API answers 404 (which the browser logs, as expected here).
    page.expect(rf"status of 404.*|/api/v1/petitions/{theirs['id']}")
    p.goto(f"/console/petitions/{theirs['id']}")
    missing = p.locator('[data-test="ticket-missing"]')
    missing.wait_for()
    assert "诉求不存在或您无权查看" in missing.inner_text()
    assert theirs["number"] not in p.content()
    screenshot(p, "ticket-forbidden", "1280x800")
    status = p.evaluate(f"fetch('/api/v1/petitions/{theirs['id']}').then(r => r.status)")
    assert status == 404
    other = p.evaluate(f"fetch('/api/v1/petitions/{theirs['id']}/reply-templates').then(r => r.status)")
    assert other == 404


def test_clerk_returns_a_ticket_with_a_reason_and_asks_for_an_extension(committed_app, live, open_page):
    resident = new_resident(committed_app)
    dispatcher = staff_headers(live, "dispatcher")
    wrong = file_and_dispatch(live, resident, dispatcher, "urban_management", "医院挂号系统总是卡住，预约不上")
    right = file_and_dispatch(live, resident, dispatcher, "urban_management", "小区门口的垃圾桶满了没人清运")
    page = open_page("1280x800")
    p = page.page
    sign_in(p, "clerk_urban_management")

    p.goto(f"/console/petitions/{wrong['id']}")
    p.locator('[data-action="return"]').click()
    dialog = p.get_by_role("dialog", name="退回")
    dialog.locator('[data-test="action-submit"]').click()
    dialog.get_by_text("退回必须填写原因").wait_for()
    dialog.locator("textarea").fill("属于卫生健康部门职责，请改派")
    dialog.locator('[data-test="action-submit"]').click()
    p.locator('[data-test="status"]', has_text="已退回待派单").wait_for()
    assert p.locator('[data-test="actions"] button').count() == 0
    back = requests.get(f"{live.url}/api/v1/petitions/{wrong['id']}", headers=dispatcher, timeout=10).json()
    assert back["status"] == "returned" and back["timeline"][-1]["reason"] == "属于卫生健康部门职责，请改派"

    p.goto(f"/console/petitions/{right['id']}")
    p.locator('[data-action="accept"]').click()
    p.get_by_role("dialog").get_by_role("button", name="确定").click()
    p.locator('[data-action="request_extension"]').click()
    dialog = p.get_by_role("dialog", name="申请延期")
    dialog.locator("textarea").fill("需要协调环卫所和物业共同处理")
    dialog.locator('[data-test="action-submit"]').click()
    p.get_by_text("延期申请：待审批").wait_for()
    assert p.locator('[data-action="request_extension"]').count() == 0
    p.get_by_placeholder("添加内部备注").fill("已电话联系物业")
    p.get_by_role("button", name="添加备注").click()
    p.get_by_text("已电话联系物业").first.wait_for()
