"""GET/PATCH /api/mp/me, phone encryption and masking."""

import logging

import pytest

from backend.core.masking import mask_id_number, mask_phone, mask_text
from backend.extensions import db
from backend.residents import service
from backend.residents.models import Resident


@pytest.fixture
def resident(app):
    with app.app_context():
        person = Resident(openid="o-profile-test")
        db.session.add(person)
        db.session.commit()
        return person.id


def _patch(client, auth, resident_id, body):
    return client.patch("/api/mp/me", json=body, headers=auth.resident(resident_id))


def test_profile_needs_a_resident_token(client, auth, resident):
    assert client.get("/api/mp/me").status_code == 401
    staff = client.get("/api/mp/me", headers=auth.staff("dispatcher"))
    assert staff.status_code == 403
    assert staff.get_json()["message"] == "请使用微信小程序登录后操作"
    assert client.get("/api/mp/me", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_update_profile_masks_and_encrypts_the_phone(app, client, auth, resident):
    response = _patch(client, auth, resident, {"nickname": " 小王 ", "phone": "13812345678",
                                               "street_code": "dongshan", "community_code": "dongshan_zhushan"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["nickname"] == "小王"
    assert body["phone"] == "138****5678"
    assert body["street"] == {"code": "dongshan", "name": "东山街道"}
    assert body["community"] == {"code": "dongshan_zhushan", "name": "竹山社区"}
    assert client.get("/api/mp/me", headers=auth.resident(resident)).get_json() == body
    with app.app_context():
        stored = service.get(resident_id=resident)
        assert "13812345678" not in stored.phone_encrypted
        assert stored.phone_last4 == "5678"
        assert service.decrypt_phone(stored) == "13812345678"
        assert service.mask_phone(stored) == "138****5678"


def test_phone_can_be_cleared(app, client, auth, resident):
    _patch(client, auth, resident, {"phone": "13812345678"})
    assert _patch(client, auth, resident, {"phone": ""}).get_json()["phone"] is None
    with app.app_context():
        stored = service.get(resident_id=resident)
        assert stored.phone_encrypted is None and stored.phone_last4 is None


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"phone": "1381234567"}, "phone", "请输入正确的 11 位手机号码"),
    ({"phone": "23812345678"}, "phone", "请输入正确的 11 位手机号码"),
    ({"phone": "１３８１２３４５６７８"}, "phone", "请输入正确的 11 位手机号码"),
    ({"street_code": "nowhere"}, "street_code", "未知的街道"),
    ({"community_code": "nowhere"}, "community_code", "未知的社区"),
    ({"street_code": "moling", "community_code": "dongshan_zhushan"}, "community_code", "该社区不属于秣陵街道"),
    ({"nickname": "长" * 33}, "nickname", "长度不能超过 32 个字"),
    ({"openid": "stolen"}, "openid", "不支持的字段"),
])
def test_bad_profile_changes_are_422_and_change_nothing(app, client, auth, resident, body, field, message):
    _patch(client, auth, resident, {"nickname": "原名", "phone": "13900001111"})
    response = _patch(client, auth, resident, {"nickname": "新名", **body})
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == [message]
    after = client.get("/api/mp/me", headers=auth.resident(resident)).get_json()
    assert (after["nickname"], after["phone"], after["street"]) == ("原名", "139****1111", None)


def test_empty_profile_change_is_422(client, auth, resident):
    response = _patch(client, auth, resident, {})
    assert response.status_code == 422
    assert response.get_json()["errors"]["_schema"] == ["请至少填写一项要修改的内容"]


def test_community_alone_sets_its_street_and_a_new_street_drops_the_old_community(client, auth, resident):
    body = _patch(client, auth, resident, {"community_code": "dongshan_zhushan"}).get_json()
    assert body["street"]["code"] == "dongshan"
    moved = _patch(client, auth, resident, {"street_code": "moling"}).get_json()
    assert moved["street"]["code"] == "moling" and moved["community"] is None
    cleared = _patch(client, auth, resident, {"street_code": None}).get_json()
    assert cleared["street"] is None and cleared["community"] is None


def test_masking_helpers():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) is None
    assert mask_id_number("32011519900101123X") == "320115********123X"
    assert mask_text("电话13812345678，身份证32011519900101123X") == "电话138****5678，身份证320115********123X"
    assert mask_text("订单 202611251234567890123") == "订单 202611251234567890123"


def test_logs_never_show_phone_or_id_numbers(app, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("backend.anything").info("resident %s id %s", "13812345678", "32011519900101123X")
    assert "13812345678" not in caplog.text and "32011519900101123X" not in caplog.text
    assert "138****5678" in caplog.text and "320115********123X" in caplog.text
