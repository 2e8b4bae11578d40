"""A new question or complaint: a service question (maybe misread as a complaint), a complaint that needs a
"是要反映问题吗" check, or a complaint beyond doubt? Evidence in understanding.py."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend import BackendClient, BackendError
from .common import MAX_TEXT_CHARS, latest_intent, latest_text
from .services import answer_item, answer_question, resolve_aspect
from .understanding import is_unambiguous_complaint, looks_like_question, strong_service_match, voices_grievance


def intent_confidence(tracker: Tracker) -> float:
    """The model's confidence in the latest message's intent."""
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


class ActionTriage(Action):
    """A new service question or complaint (`ask_service`, `complain`): which path does it take?

    - a service question that voices no grievance is answered (slot triage=service);
    - a how-to question that the catalog matches strongly is answered with that service's card and a
      "我要反映问题" button, also when the model read it as a complaint (triage=service);
    - anything else goes to the complaint form (triage=complaint), which first asks "您是要反映问题吗"
      unless the complaint is beyond doubt (complaint_confirmed=True).
    """

    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return triage(dispatcher, tracker, latest_intent(tracker), intent_confidence(tracker))


def triage(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str, confidence: float) -> List[Dict[Text, Any]]:
    """The path of a new message read as `intent` (ask_service or complain) with this confidence: answers a
    service question and returns triage=service, or returns triage=complaint with the complaint text and
    whether the "是要反映问题吗" check can be skipped."""
    text = latest_text(tracker)
    grievance = voices_grievance(text)
    if intent == "ask_service" and not grievance:
        return [SlotSet("triage", "service"), *answer_question(dispatcher, tracker, new_question=True)]
    client = BackendClient.from_env()
    item = None
    if looks_like_question(text) and (intent == "ask_service" or not grievance):
        item = strong_service_match(client, text)
    if item:
        try:
            events = answer_item(dispatcher, client, item["code"], resolve_aspect(tracker), [], complaint_button=True)
            # The question is not a complaint description: "我要反映问题" will ask for one.
            return [SlotSet("triage", "service"), SlotSet("complaint_text", None), *events]
        except BackendError:
            pass  # the guide cannot be read: the complaint path (with its check) is still safe
    sure = is_unambiguous_complaint(text, intent, confidence)
    return [SlotSet("triage", "complaint"), SlotSet("complaint_text", text[:MAX_TEXT_CHARS]),
            SlotSet("complaint_confirmed", True if sure else None)]
