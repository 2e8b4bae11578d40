"""Setting the stage for browser tests through the public API of the live server."""

from __future__ import annotations

import requests

from backend.core.security import issue_token
from tests.e2e.conftest import PASSWORD
from tests.petitions.conftest import VALID, make_resident


def staff_headers(live, username: str) -> dict:
    """A bearer header of a demo staff account, signed in through /api/v1/auth/token."""
    response = requests.post(f"{live.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                             timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def new_resident(app) -> dict:
    """A resident (committed to the test database) and their bearer header."""
    resident = make_resident(app)
    with app.app_context():
        token, _ = issue_token("resident", resident.id)
    return {"Authorization": f"Bearer {token}"}


def file_and_dispatch(live, resident: dict, dispatcher: dict, department: str, content: str) -> dict:
    """Files a petition as the resident and has the dispatcher send it to a department; returns it."""
    filed = requests.post(f"{live.url}/api/mp/petitions", json={**VALID, "content": content}, headers=resident,
                          timeout=20)
    assert filed.status_code == 201, filed.text
    petition_id = filed.json()["id"]
    routed = requests.post(f"{live.url}/api/v1/petitions/{petition_id}/transitions",
                           json={"action": "dispatch", "department": department}, headers=dispatcher, timeout=20)
    assert routed.status_code == 200, routed.text
    return routed.json()


def sign_in(page, username: str, path: str = "/console/") -> None:
    """Signs in on the login page with the keyboard (Enter submits) and waits for the console."""
    page.goto(path)
    page.wait_for_url("**/console/login**")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(lambda url: "/console/login" not in url)
