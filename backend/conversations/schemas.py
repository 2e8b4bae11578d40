"""Chat schemas: the resident's message and replies; the trainer's view of turns."""

from marshmallow import Schema, fields, validate

from backend.core.validation import Boolean, PageArgs, Text


class ChatRequestSchema(Schema):
    # Empty text is allowed: the bot answers with a prompt instead of an error.
    # Blank text is allowed: the bot answers it with a prompt.
    text = Text(required=True, blank_ok=True, validate=validate.Length(max=5000))


class CardSchema(Schema):
    type = fields.String(metadata={"description": "service_item | petition | notice | activity"})
    code = fields.String()
    title = fields.String()
    subtitle = fields.String()
    status = fields.String()
    department = fields.String()
    deadline = fields.String()


class ButtonSchema(Schema):
    title = fields.String()
    payload = fields.String()


class ReplySchema(Schema):
    text = fields.String()
    cards = fields.List(fields.Nested(CardSchema))
    buttons = fields.List(fields.Nested(ButtonSchema))


class ChatResponseSchema(Schema):
    replies = fields.List(fields.Nested(ReplySchema))
    degraded = fields.Boolean(metadata={"description": "true when the bot was unavailable"})
    offer = fields.String(metadata={"description": "leave_message when the resident may leave a message"})


class HandoffRequestSchema(Schema):
    sender_id = Text(required=True, validate=validate.Length(min=1, max=64))
    reason = Text(load_default="转人工", validate=validate.Length(max=255))


class ConversationArgs(PageArgs):
    handoff = Boolean(load_default=False)


class ConversationSchema(Schema):
    id = fields.Integer()
    turn_count = fields.Integer()
    last_turn_at = fields.DateTime()
    handoff_requested_at = fields.DateTime(allow_none=True)
    handoff_reason = fields.String(allow_none=True)


class ConversationListSchema(Schema):
    items = fields.List(fields.Nested(ConversationSchema))
    total = fields.Integer()


class TurnSchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    text = fields.String(metadata={"description": "personal data masked"})
    intent = fields.String(allow_none=True)
    confidence = fields.Float(allow_none=True)
    ranking = fields.List(fields.Dict())
    entities = fields.List(fields.Dict())
    response_selector = fields.Dict()
    actions = fields.List(fields.String())
    replies = fields.List(fields.Dict())
    outcome = fields.String()
    latency_ms = fields.Integer()


class TurnListSchema(Schema):
    items = fields.List(fields.Nested(TurnSchema))
    total = fields.Integer()
