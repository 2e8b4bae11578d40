"""Everything the console uses is documented API: the new endpoints are in /openapi.json with schemas and the
ways to authenticate."""

from __future__ import annotations

NEW = {
    ("/api/v1/auth/session", "post"), ("/api/v1/auth/session", "get"), ("/api/v1/auth/session", "delete"),
    ("/api/v1/auth/password", "post"), ("/api/v1/streets", "get"),
    ("/api/v1/staff", "get"), ("/api/v1/staff", "post"), ("/api/v1/staff/{staff_id}", "patch"),
    ("/api/v1/staff/{staff_id}/password", "post"), ("/api/v1/staff/{staff_id}/audit", "get"),
    ("/api/v1/petitions/queues", "get"), ("/api/v1/petitions/bulk-accept", "post"),
    ("/api/v1/petitions/{petition_id}/contact", "post"),
    ("/api/v1/reply-templates", "get"), ("/api/v1/reply-templates", "post"),
    ("/api/v1/reply-templates/{template_id}", "patch"), ("/api/v1/reply-templates/{template_id}", "delete"),
    ("/api/v1/petitions/{petition_id}/reply-templates", "get"),
}


def test_new_endpoints_are_documented_with_schemas_and_security(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["cookieSession"] == {
        "type": "apiKey", "in": "cookie", "name": "zj_session",
        "description": spec["components"]["securitySchemes"]["cookieSession"]["description"]}
    for path, method in NEW:
        operation = spec["paths"][path][method]
        assert operation.get("summary"), (path, method)
        if (path, method) != ("/api/v1/auth/session", "post"):
            assert operation.get("security"), (path, method)
        if method in ("post", "patch") and path not in ("/api/v1/petitions/{petition_id}/contact",):
            assert "requestBody" in operation, (path, method)
        ok = next(code for code in operation["responses"] if code.startswith("2"))
        if ok != "204":
            assert "schema" in operation["responses"][ok]["content"]["application/json"], (path, method)
    detail = spec["components"]["schemas"]["PetitionStaff"]["properties"]
    assert {"allowed_actions", "clocks", "timeline"} <= set(detail)
