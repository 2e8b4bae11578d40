"""Filing a petition: the happy path, routing after the response, photos, bad input, idempotency."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.outbox.models import OutboxMessage
from backend.petitions.models import Petition, PetitionPhoto
from tests.petitions.conftest import VALID, file_petition, jpeg_bytes, png_bytes


def _count(app, model=Petition) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _uploaded_files(app) -> list[Path]:
    root = Path(app.config["SETTINGS"].upload_dir)
    return [p for p in root.rglob("*") if p.is_file()]


def test_json_petition_is_stored_then_routed_after_the_response(app, client, residents):
    _, headers = residents.new()
    response = file_petition(client, headers)
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"JN\d{8}-\d{4}", body["number"])
    assert body["status"] == "submitted" and body["department"] is None
    detail = client.get(f"/api/mp/petitions/{body['id']}", headers=headers).get_json()
    # Routing ran once the response was closed: 油烟 → 城市管理局, with a resident notification queued.
    assert detail["department"] == {"code": "urban_management", "name": "区城市管理局"}
    assert detail["status_label"] == "已受理"
    assert [e["action"] for e in detail["timeline"]] == ["submit", "dispatch"]
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "wechat_subscribe"))
        assert message.payload["data"]["number"] == body["number"]
        assert message.payload["data"]["remark"].startswith("已派发至区城市管理局")
        assert message.payload["page"] == f"pages/petitions/detail?id={body['id']}"


def test_numbers_count_up_within_a_day(client, residents):
    _, headers = residents.new()
    first = file_petition(client, headers).get_json()["number"]
    second = file_petition(client, headers, content="楼下广场舞太吵了，晚上十点还在放音乐").get_json()["number"]
    assert first[:10] == second[:10]
    assert int(second[-4:]) == int(first[-4:]) + 1


def test_unclear_text_waits_in_the_manual_queue(client, residents, auth):
    _, headers = residents.new()
    body = file_petition(client, headers, type="咨询", content="你好，请问一下这个事情应该找谁呢").get_json()
    queue = client.get("/api/v1/petitions?queue=manual", headers=auth.staff("dispatcher")).get_json()
    assert body["id"] in [item["id"] for item in queue["items"]]
    item = next(i for i in queue["items"] if i["id"] == body["id"])
    assert item["department"] is None and item["status_label"] == "待派单"


def test_multipart_with_photos(app, client, residents):
    _, headers = residents.new()
    data = {**{k: str(v).lower() if isinstance(v, bool) else v for k, v in VALID.items()},
            "latitude": "31.95", "longitude": "118.84",
            "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg"), (io.BytesIO(png_bytes()), "b.png")]}
    response = client.post("/api/mp/petitions", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    detail = client.get(f"/api/mp/petitions/{response.get_json()['id']}", headers=headers).get_json()
    assert [p["content_type"] for p in detail["photos"]] == ["image/jpeg", "image/png"]
    assert detail["latitude"] == 31.95 and detail["contact_consent"] is True
    photo = client.get(detail["photos"][1]["url"], headers=headers)
    assert photo.status_code == 200 and photo.data == png_bytes()
    assert photo.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize("overrides, field, fragment", [
    ({"type": None}, "type", "不能为空"),
    ({"type": "吐槽"}, "type", "取值应为以下之一"),
    ({"content": "太吵"}, "content", "5 到 1000"),
    ({"content": "很" * 1001}, "content", "5 到 1000"),
    ({"street": "atlantis"}, "street", "街道不存在"),
    ({"community": "moling_xxx"}, "community", "社区不存在"),
    ({"community": "tangshan_tangshan"}, "community", "不属于该街道"),
    ({"latitude": 91}, "latitude", "小于等于 90"),
    ({"longitude": "东经"}, "longitude", "应为数字"),
    ({"content": "专业办证刻章，联系我们"}, "content", "办证刻章"),
    ({"urgency": "very"}, "urgency", "取值应为以下之一"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(app, client, residents, overrides, field, fragment):
    _, headers = residents.new()
    before = _count(app)
    response = file_petition(client, headers, **overrides)
    assert response.status_code == 422
    body = response.get_json()
    assert fragment in " ".join(body["errors"][field]), body
    assert re.search(r"[\u4e00-\u9fff]", body["message"])
    assert _count(app) == before


def test_missing_fields_name_each_field(client, residents):
    _, headers = residents.new()
    response = client.post("/api/mp/petitions", json={}, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"type", "content", "street"}


def test_not_json_is_a_400(client, residents):
    _, headers = residents.new()
    response = client.post("/api/mp/petitions", data="type=投诉", headers=headers, content_type="text/plain")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["message"]


def test_fake_jpeg_is_refused_and_nothing_is_stored(app, client, residents):
    _, headers = residents.new()
    before, files_before = _count(app), len(_uploaded_files(app))
    data = {**VALID, "contact_consent": "true",
            "photos": [(io.BytesIO(png_bytes()), "ok.png"), (io.BytesIO(b"<html>not a photo</html>"), "x.jpg")]}
    response = client.post("/api/mp/petitions", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "第 2 张照片不是有效的 JPEG、PNG 或 WebP 图片" in response.get_json()["message"]
    assert _count(app) == before and len(_uploaded_files(app)) == files_before


def test_fifty_megabyte_upload_is_413(app, client, residents):
    _, headers = residents.new()
    before = _count(app, PetitionPhoto)
    big = jpeg_bytes() + b"\x00" * (50 * 1024 * 1024)
    data = {**VALID, "contact_consent": "true", "photos": [(io.BytesIO(big), "big.jpg")]}
    response = client.post("/api/mp/petitions", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "超过 10 MB" in response.get_json()["message"]
    assert _count(app, PetitionPhoto) == before


def test_at_most_nine_photos(client, residents):
    _, headers = residents.new()
    data = {**VALID, "contact_consent": "true", "photos": [(io.BytesIO(png_bytes()), f"{i}.png") for i in range(10)]}
    response = client.post("/api/mp/petitions", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"]["photos"] == ["最多上传 9 张照片"]


def test_same_key_returns_the_same_petition(app, client, residents):
    _, headers = residents.new()
    first = file_petition(client, headers, key="retry-1")
    again = file_petition(client, headers, key="retry-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["number"] == first.get_json()["number"]


def test_same_key_with_another_body_is_422(app, client, residents):
    _, headers = residents.new()
    assert file_petition(client, headers, key="retry-2").status_code == 201
    before = _count(app)
    response = file_petition(client, headers, key="retry-2", content="另一件事：路灯坏了一个月没人修")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["message"]
    assert _count(app) == before


def test_keys_belong_to_one_resident(client, residents):
    _, alice = residents.new()
    _, bob = residents.new()
    a = file_petition(client, alice, key="shared").get_json()
    b = file_petition(client, bob, key="shared").get_json()
    assert a["id"] != b["id"]


def test_bad_idempotency_key_is_422(client, residents):
    _, headers = residents.new()
    response = file_petition(client, headers, key="钥匙")
    assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["errors"]


def test_staff_and_anonymous_cannot_file(client, auth):
    assert client.post("/api/mp/petitions", json=VALID).status_code == 401
    response = client.post("/api/mp/petitions", json=VALID, headers=auth.staff("dispatcher"))
    assert response.status_code == 403
