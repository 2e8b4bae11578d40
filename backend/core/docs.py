"""The OpenAPI document's shared conventions, and Swagger UI's files served from the installed package (no CDN)."""

from apispec import BasePlugin
from flask import Blueprint, send_from_directory

blp = Blueprint("docs_static", __name__)

BEARER_AUTH = {"type": "http", "scheme": "bearer"}


class DocConventions(BasePlugin):
    """What every operation's document says alike, so no view repeats it.

    Protected operations get `security: [{"bearerAuth": []}]` with their 401/403 responses from the require_*
    decorators (backend/core/security.py); every other operation is declared public here with `security: []`.
    Operations on a resource named in the path answer 404 when it does not exist (or is not the caller's).
    Every other error is the `default` response: the one JSON error shape of backend/core/errors.py.
    """

    def init_spec(self, spec):
        """Registers the bearer scheme that the require_* decorators refer to."""
        super().init_spec(spec)
        spec.components.security_scheme("bearerAuth", BEARER_AUTH)

    def operation_helper(self, path=None, operations=None, **kwargs):
        """Declares unprotected operations public and documents 404 where the path names a resource."""
        for method, operation in (operations or {}).items():
            if method == "parameters":
                continue
            operation.setdefault("security", [])
            responses = operation.setdefault("responses", {})
            # Views key their responses by int or str; apispec makes them all str later.
            if "{" in (path or "") and not {404, "404"} & responses.keys():
                responses["404"] = "NOT_FOUND"


@blp.route("/api/docs/static/<path:filename>")
def swagger_static(filename: str):
    """A file of the bundled Swagger UI."""
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
