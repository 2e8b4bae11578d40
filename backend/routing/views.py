"""Routing API: suggestions for dispatchers and the bot, the routing table for supervisors."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import current_principal, require_any, require_staff
from backend.petitions.errors import PetitionError
from backend.routing import service
from backend.routing.schemas import (
    RoutingOverrideDeleteArgs,
    RoutingRuleListSchema,
    RoutingRuleSchema,
    RoutingRuleUpdateSchema,
    RoutingSuggestionSchema,
    RoutingSuggestRequestSchema,
)

blp = Blueprint("routing", __name__, url_prefix="/api/v1/routing", description="诉求分拨")


@blp.route("/suggest")
class Suggest(MethodView):
    @require_any("staff", "service", roles=("dispatcher", "supervisor"))
    @blp.arguments(RoutingSuggestRequestSchema)
    @blp.response(200, RoutingSuggestionSchema)
    def post(self, data):
        """Which department a complaint text should go to, with alternatives"""
        street = service.street_by_code(data["street"]) if data["street"] else None
        return service.suggest(text=data["text"], street_id=street.id if street else None)


@blp.route("/rules")
class Rules(MethodView):
    @require_staff("dispatcher", "supervisor")
    @blp.response(200, RoutingRuleListSchema)
    def get(self):
        """The routing table: category → department"""
        return {"items": service.list_rules()}


@blp.route("/rules/<string:category>")
class Rule(MethodView):
    @require_staff("supervisor")
    @blp.arguments(RoutingRuleUpdateSchema)
    @blp.response(200, RoutingRuleSchema)
    def put(self, data, category):
        """Route a category to another department, county-wide or (with street) in that street only"""
        return service.set_department(rule=_rule(category), department_code=data["department"],
                                      street_code=data["street"], staff_id=current_principal().id)

    @require_staff("supervisor")
    @blp.arguments(RoutingOverrideDeleteArgs, location="query")
    @blp.response(200, RoutingRuleSchema)
    def delete(self, args, category):
        """Drop a street's override (?street=code): the county-wide rule applies there again"""
        return service.remove_override(rule=_rule(category), street_code=args["street"])


def _rule(category: str):
    rule = service.get_rule(category=category)
    if rule is None:
        raise PetitionError(404, "分类不存在")
    return rule
