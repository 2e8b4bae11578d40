"""GET /api/v1/bot/info/<kind> for the Rasa action server (service token): an answer with cards."""

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import require_service
from backend.info import answers, public_schemas
from backend.info.errors import InfoError
from backend.residents import service as residents

blp = Blueprint("bot_info", __name__, url_prefix="/api/v1/bot/info", description="机器人便民信息接口")
KINDS = ("weather", "notices", "hospitals", "transit")


def _profile_street(sender_id: str | None) -> str | None:
    """The street of the resident behind a chat sender id (the relay uses the resident id), if set."""
    if not sender_id or not sender_id.isdigit() or len(sender_id) > 12:
        return None
    resident = residents.get(resident_id=int(sender_id))
    return resident.street.code if resident is not None and resident.street is not None else None


@blp.route("/<string:kind>")
class BotInfo(MethodView):
    @require_service()
    @blp.arguments(public_schemas.BotInfoArgs, location="query")
    @blp.response(200, public_schemas.BotInfoSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, args, kind):
        """Weather, notices, hospitals or transit for the resident's question, as text and cards"""
        if kind not in KINDS:
            raise InfoError("not_found", "暂不支持该类信息")
        return answers.answer(kind, q=args["q"], street=args.get("street"),
                              profile_street=_profile_street(args.get("sender_id")))
