"""The service catalog for residents and the bot: search, browse, full guides, themes."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.catalog import schemas, service

blp = Blueprint("mp_catalog", __name__, url_prefix="/api/mp", description="政务服务事项（办事指南）")


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(schemas.SearchArgs, location="query")
    @blp.response(200, schemas.ItemPageSchema)
    def get(self, args):
        """Search published items (q, ranked by relevance) or browse them (by department, then code)"""
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
