"""Human handoff (转人工) and the fallback that leads to it after two misunderstandings in a row."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend import BackendClient, BackendError
from .common import HOTLINE, latest_text
from .services import answer_item, resolve_aspect
from .triage import triage
from .understanding import SURE_COMPLAINT_CONFIDENCE, is_service_question, voices_grievance

HANDOFF_DONE = (f"已为您转接人工。工作人员会在工作日 8:30–17:30 直接在这个对话里回复您，请留意消息；"
                f"着急的话也可以拨打{HOTLINE}。")
HANDOFF_FAILED = f"抱歉，转人工暂时没有成功。您可以直接拨打{HOTLINE}，工作人员会帮您处理。"
FALLBACK_TEXT = ("不好意思，我没太看懂您的意思。可以换个说法试试，比如：\n"
                 "· 上户口要带什么材料\n· 楼下饭店油烟太大（投诉）\n· 我的投诉怎么样了\n"
                 "回复“菜单”看我能做什么，或说“转人工”找工作人员。")


def request_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> None:
    """Asks the backend for a human and tells the resident how they will be contacted."""
    try:
        BackendClient.from_env().request_handoff(tracker.sender_id, reason)
    except BackendError:
        dispatcher.utter_message(text=HANDOFF_FAILED)
        return
    dispatcher.utter_message(text=HANDOFF_DONE)


def previous_user_intent(tracker: Tracker) -> str:
    """The intent of the user message before the latest one ('' if there is none)."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return ""
    return ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name") or ""


class ActionHumanHandoff(Action):
    """The resident asked for a person."""

    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        request_handoff(dispatcher, tracker, reason="resident_request")
        return []


class ActionHandleFallback(Action):
    """A message the model is unsure about (nlu_fallback). When its best guess is a service question or a
    complaint, or it voices a grievance, it takes the triage's path (a service card, or the complaint
    form with its "是要反映问题吗" check: slot triage); otherwise the first misunderstanding asks to
    rephrase and shows the menu, the second in a row hands off to a person."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        guess, confidence = best_guess(tracker)
        text = latest_text(tracker)
        if guess in ("ask_service", "complain") or voices_grievance(text):
            # unsure of the intent, so never sure enough to skip the complaint check
            return triage(dispatcher, tracker, guess if guess in ("ask_service", "complain") else "complain",
                          min(confidence, SURE_COMPLAINT_CONFIDENCE - 0.01))
        client = BackendClient.from_env()
        item = is_service_question(client, text)
        if item:
            try:
                return [SlotSet("triage", "service"),
                        *answer_item(dispatcher, client, item["code"], resolve_aspect(tracker), [], complaint_button=True)]
            except BackendError:
                pass
        if previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(text="看来我一直没听懂，抱歉！")
            request_handoff(dispatcher, tracker, reason="repeated_fallback")
            return [SlotSet("triage", None)]
        dispatcher.utter_message(text=FALLBACK_TEXT)
        return [SlotSet("triage", None)]


def best_guess(tracker: Tracker):
    """The model's best intent other than nlu_fallback, and its confidence ('' and 0 when none)."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    for entry in ranking:
        if entry.get("name") and entry.get("name") != "nlu_fallback":
            return entry["name"], float(entry.get("confidence") or 0.0)
    return "", 0.0
