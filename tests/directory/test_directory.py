"""The directory holds exactly the registry's departments and streets, with communities."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "backend" / "directory" / "data"


def _tsv(name):
    with open(DATA / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_departments_match_the_registry(client):
    items = client.get("/api/mp/departments").get_json()["items"]
    assert [(d["code"], d["name"]) for d in items] == [(r["code"], r["name"]) for r in _tsv("departments.tsv")]
    fumes = next(d for d in items if d["code"] == "urban_management")
    assert "餐饮油烟" in fumes["responsibilities"]


def test_ten_streets_with_at_least_three_communities(client):
    items = client.get("/api/mp/streets").get_json()["items"]
    assert [(s["code"], s["name"]) for s in items] == [(r["code"], r["name"]) for r in _tsv("streets.tsv")]
    assert len(items) == 10
    assert all(len(s["communities"]) >= 3 for s in items)


def test_demo_staff_accounts(app):
    from backend.directory import service

    with app.app_context():
        for username in ("dispatcher", "supervisor", "trainer", "editor", "admin"):
            assert service.get_staff_by_username(username=username).role == username
        for row in _tsv("departments.tsv"):
            clerk = service.get_staff_by_username(username=f"clerk_{row['code']}")
            assert clerk.role == "clerk" and clerk.department.code == row["code"]


def test_staff_endpoints_need_a_token(client, auth):
    assert client.get("/api/v1/departments").status_code == 401
    assert client.get("/api/v1/departments", headers=auth.staff("clerk_health")).status_code == 200
