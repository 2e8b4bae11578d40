"""The REST channel the backend relays residents' chat through, answering blank messages itself.

Rasa gives a blank message no intent, so no rule or policy answers it and the resident would get
nothing back; here it gets a prompt instead. The webhook stays /webhooks/rest/webhook.
"""
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput

BLANK_REPLY = "您好像发了一条空消息。请直接打字告诉我您想办的事，比如“上户口要带什么材料”，或回复“菜单”看看我能做什么。"


class ResidentRestInput(RestInput):
    """RestInput that replies to empty or whitespace-only messages without running the model."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]):
        async def handle(message: UserMessage) -> Any:
            if not (message.text or "").strip():
                await message.output_channel.send_text_message(message.sender_id, BLANK_REPLY)
                return None
            return await on_new_message(message)

        return super().blueprint(handle)
