"""The service catalog for residents and the bot: search, browse, full guides, themes."""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.catalog import schemas, search, service

blp = Blueprint("mp_catalog", __name__, url_prefix="/api/mp", description="政务服务事项（办事指南）")


@blp.before_request
def _rendered_search_page():
    """Answers a search with a page this process rendered for the same query string at the current
    revision, before argument parsing (the arguments were validated when the page was rendered)."""
    if request.endpoint == "mp_catalog.Services" and request.method == "GET" and request.args.get("q", "").strip():
        body = search.cached_page(request.query_string)
        if body is not None:
            return current_app.response_class(body, mimetype=current_app.json.mimetype)
    return None


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(schemas.SearchArgs(), location="query")
    @blp.response(200, schemas.ItemPageSchema)
    def get(self, args):
        """Search published items (q, ranked by relevance) or browse them (by department, then code)"""
        if args["q"] and args["q"].strip():
            # Hot path: the page is built from plain rows (same fields as ItemPageSchema) and kept per
            # process for the current search revision under its query string, since residents' questions
            # repeat (_rendered_search_page answers the repeats).
            filters = {k: args[k] for k in ("theme", "department", "audience", "page", "limit")}

            def build() -> bytes:
                return current_app.json.response(service.search_summary_page(query=args["q"], **filters)).get_data()

            body = search.cached_page(request.query_string, build)
            return current_app.response_class(body, mimetype=current_app.json.mimetype)
        return service.find_items(query=args["q"], status="published", **{k: args[k] for k in (
            "theme", "department", "audience", "page", "limit")})


@blp.route("/services/<string:code>")
class ServiceGuide(MethodView):
    @blp.response(200, schemas.ItemPublicSchema)
    def get(self, code):
        """The full guide of a published item"""
        item = service.get_published(code=code)
        if item is None:
            abort(404, message="找不到该办事事项，可能已下线或编码有误")
        return item


@blp.route("/themes")
class Themes(MethodView):
    @blp.response(200, schemas.ThemeListSchema)
    def get(self):
        """Life-event themes with the number of published items in each"""
        return {"items": service.theme_counts()}
