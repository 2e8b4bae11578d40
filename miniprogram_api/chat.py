"""POST /api/mp/chat: a resident talks to the bot."""

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.conversations import flows, schemas
from backend.core.security import current_principal, require_resident

blp = Blueprint("mp_chat", __name__, url_prefix="/api/mp", description="智能问答")


@blp.route("/chat")
class Chat(MethodView):
    @require_resident()
    @blp.arguments(schemas.ChatRequestSchema)
    @blp.response(200, schemas.ChatResponseSchema)
    def post(self, data):
        """Send a message to the bot; replies carry cards (service_item, petition, notice, activity, weather, transit, hospital)"""
        return flows.chat(resident_id=current_principal().id, text=data["text"])
