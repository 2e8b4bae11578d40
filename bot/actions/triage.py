"""Before a complaint form starts: is the message a service question the model misread, a complaint
that needs a "是要反映问题吗" check, or a complaint beyond doubt (see understanding.py)?"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend import BackendClient, BackendError
from .common import latest_intent, latest_text
from .services import answer_item, resolve_aspect
from .understanding import is_service_question, is_unambiguous_complaint


def intent_confidence(tracker: Tracker) -> float:
    """The model's confidence in the latest message's intent."""
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


class ActionTriageComplaint(Action):
    """A `complain` message: a how-to question that the catalog matches strongly gets that service's card
    with a "我要反映问题" button (slot triage=service); anything else goes to the complaint form
    (triage=complaint), which first asks "您是要反映问题吗" unless the complaint is beyond doubt."""

    def name(self) -> Text:
        return "action_triage_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        client = BackendClient.from_env()
        item = is_service_question(client, text)
        if item:
            try:
                events = answer_item(dispatcher, client, item["code"], resolve_aspect(tracker), [],
                                     complaint_button=True)
                # The question is not a complaint description: "我要反映问题" will ask for one.
                return [SlotSet("triage", "service"), SlotSet("complaint_text", None), *events]
            except BackendError:
                pass  # the guide cannot be read: the complaint path (with its check) is still safe
        sure = is_unambiguous_complaint(text, latest_intent(tracker), intent_confidence(tracker))
        return [SlotSet("triage", "complaint"), SlotSet("complaint_confirmed", True if sure else None)]
