"""Serves Swagger UI's files from the installed package, so /api/docs needs no CDN."""

from flask import Blueprint, send_from_directory

blp = Blueprint("docs_static", __name__)


@blp.route("/api/docs/static/<path:filename>")
def swagger_static(filename: str):
    """A file of the bundled Swagger UI."""
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
