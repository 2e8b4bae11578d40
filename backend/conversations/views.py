"""Trainers' view of conversations, and the bot's handoff endpoint, under /api/v1."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from backend.conversations import schemas, service
from backend.core.security import require_service, require_staff
from backend.core.validation import PageArgs

blp = Blueprint("conversations", __name__, url_prefix="/api/v1", description="机器人对话记录")


@blp.route("/conversations")
class Conversations(MethodView):
    @require_staff("trainer", "supervisor")
    @blp.arguments(schemas.ConversationArgs, location="query")
    @blp.response(200, schemas.ConversationListSchema)
    def get(self, args):
        """Conversations, newest first; handoff=true lists those waiting for a person"""
        items, total = service.list_conversations(handoff_only=args["handoff"], page=args["page"],
                                                  limit=args["limit"])
        return {"items": items, "total": total}


@blp.route("/conversations/<int:conversation_id>/turns")
class Turns(MethodView):
    @require_staff("trainer", "supervisor")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, schemas.TurnListSchema)
    def get(self, args, conversation_id):
        """Every turn of a conversation with intent, confidence, entities, actions and replies"""
        conversation = service.get(conversation_id=conversation_id)
        if conversation is None:
            abort(404, message="找不到该对话")
        items, total = service.list_turns(conversation=conversation, page=args["page"], limit=args["limit"])
        return {"items": items, "total": total}


@blp.route("/bot/handoff")
class Handoff(MethodView):
    @require_service()
    @blp.arguments(schemas.HandoffRequestSchema)
    @blp.response(202, schemas.ConversationSchema)
    def post(self, data):
        """Flag a conversation for a person (转人工), called by the bot's action server"""
        conversation = service.request_handoff(sender_id=data["sender_id"], reason=data["reason"])
        if conversation is None:
            abort(404, message="找不到该对话")
        return conversation
