"""Staff API for the service catalog under /api/v1/catalog (editors; admin passes)."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.catalog import schemas, service
from backend.core.security import require_staff

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/catalog", description="政务服务事项管理")

EDITOR = "editor"


def _item_or_404(code: str):
    item = service.get_by_code(code=code)
    if item is None:
        abort(404, message="找不到该事项")
    return item


@blp.route("/items")
class Items(MethodView):
    @require_staff(EDITOR)
    @blp.arguments(schemas.StaffSearchArgs, location="query")
    @blp.response(200, schemas.ItemStaffPageSchema)
    def get(self, args):
        """List or search items, drafts included"""
        return service.find_items(query=args["q"], full=True, **{k: args[k] for k in (
            "status", "theme", "department", "audience", "page", "limit")})

    @require_staff(EDITOR)
    @blp.arguments(schemas.ItemWriteSchema)
    @blp.response(201, schemas.ItemStaffSchema)
    @blp.alt_response(409, description="事项编码已存在")
    def post(self, data):
        """Create an item (a draft unless status says otherwise)"""
        try:
            return service.create_item(data=data)
        except service.DuplicateCode:
            abort(409, message="事项编码已存在", errors={"code": ["事项编码已存在"]})


@blp.route("/items/<string:code>")
class Item(MethodView):
    @require_staff(EDITOR)
    @blp.response(200, schemas.ItemStaffSchema)
    def get(self, code):
        """One item with every field"""
        return _item_or_404(code)

    @require_staff(EDITOR)
    @blp.arguments(schemas.ItemUpdateSchema(partial=True))
    @blp.response(200, schemas.ItemStaffSchema)
    def patch(self, data, code):
        """Change some fields of an item"""
        return service.update_item(item=_item_or_404(code), data=data)


@blp.route("/items/<string:code>/publish")
class Publish(MethodView):
    @require_staff(EDITOR)
    @blp.response(200, schemas.ItemStaffSchema)
    def post(self, code):
        """Publish an item (residents and the bot see it)"""
        return service.set_status(item=_item_or_404(code), status="published")


@blp.route("/items/<string:code>/unpublish")
class Unpublish(MethodView):
    @require_staff(EDITOR)
    @blp.response(200, schemas.ItemStaffSchema)
    def post(self, code):
        """Take an item back to draft (hidden from residents)"""
        return service.set_status(item=_item_or_404(code), status="draft")
