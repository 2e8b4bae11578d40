"""Complaints (投诉): the form that asks only for what is missing, the summary, filing and cancelling."""
from __future__ import annotations

import re

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .backend import BackendClient, BackendError
from .common import (HOTLINE, MAX_TEXT_CHARS, card, categories, entity_values, find_street_in_text, latest_intent,
                     latest_text, reset_complaint_slots, street_names)
from .services import answer_item
from .understanding import search_query, strong_service_match

UNKNOWN_STREET = "unknown"
DONT_KNOW = re.compile(r"不.?(知道|清楚|确定|晓得|记得|懂)|说不清|搞不清")
MIN_COMPLAINT_CHARS = 5
MAX_ADDRESS_CHARS = 200


def complaint_category(tracker: Tracker) -> Dict[str, Any]:
    """The complaint category the ResponseSelector gave the latest message: code and confidence."""
    selector = ((tracker.latest_message or {}).get("response_selector") or {}).get("complain") or {}
    response = selector.get("response") or {}
    key = response.get("intent_response_key") or ""
    code = key.split("/", 1)[1] if key.startswith("complain/") else None
    return {"code": code, "confidence": float(response.get("confidence") or 0.0)}


def describe_place(street: Optional[str], address: Optional[str]) -> str:
    """'东山街道 百家湖花园3栋' from the street code and free address text."""
    name = street_names().get(street or "", "")
    return " ".join(part for part in (name, (address or "").strip()) if part) or "（未提供）"


class ValidateComplaintForm(FormValidationAction):
    """Fills and checks the complaint form's slots."""

    def name(self) -> Text:
        return "validate_complaint_form"

    async def extract_complaint_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict) -> Dict[Text, Any]:
        """"我要投诉" needs no check that it is a complaint; every other start is confirmed by the triage
        (action_triage) or by the resident's "是" (the slot's from_intent mapping)."""
        if tracker.get_slot("complaint_confirmed") is not None:
            return {}
        if latest_intent(tracker) == "start_complaint":
            return {"complaint_confirmed": True}
        # Asked "是要反映问题吗", the resident goes on describing the problem: that is a yes.
        if tracker.get_slot("requested_slot") == "complaint_confirmed" and latest_intent(tracker) == "complain":
            return {"complaint_confirmed": True}
        return {}

    async def extract_street(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Answers to the street question without a recognised street entity: a named street,
        '不知道' (→ unknown), or a place description (→ unknown street, and the text is the address)."""
        if tracker.get_slot("requested_slot") != "street" or entity_values(tracker, "street"):
            return {}
        if latest_intent(tracker) in ("human_handoff", "start_complaint"):
            return {}
        text = latest_text(tracker)
        code = find_street_in_text(text)
        if code:
            return {"street": code}
        if DONT_KNOW.search(text):
            return {"street": UNKNOWN_STREET}
        if latest_intent(tracker) == "deny" or len(text) < 2:
            return {}
        extracted = {"street": UNKNOWN_STREET}
        if not tracker.get_slot("address"):
            extracted["address"] = text[:MAX_ADDRESS_CHARS]
        return extracted

    def validate_complaint_text(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Keeps a description long enough to act on, and the category the model gave it."""
        text = str(slot_value or "").strip()
        if len(text) < MIN_COMPLAINT_CHARS:
            dispatcher.utter_message(response="utter_complaint_text_too_short")
            return {"complaint_text": None}
        category = complaint_category(tracker)
        return {
            "complaint_text": text[:MAX_TEXT_CHARS],
            "complaint_category": category["code"],
            "complaint_confidence": category["confidence"],
        }

    def validate_street(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Accepts a street code (entities are mapped to codes by synonyms) or 'unknown'."""
        value = str(slot_value or "")
        if value in street_names() or value == UNKNOWN_STREET:
            result: Dict[Text, Any] = {"street": value}
        else:
            code = find_street_in_text(value)
            result = {"street": code or UNKNOWN_STREET}
        # "东山街道百家湖花园3栋": the rest of the answer is the address.
        if tracker.get_slot("requested_slot") == "street" and not tracker.get_slot("address"):
            rest = latest_text(tracker)
            name = street_names().get(result["street"], "")
            for spoken in (name, name.replace("街道", ""), value):
                rest = rest.replace(spoken, "") if spoken else rest
            rest = rest.strip(" ，,。的在")
            if len(rest) >= 2 and not DONT_KNOW.search(rest):
                result["address"] = rest[:MAX_ADDRESS_CHARS]
        return result

    def validate_address(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Any short place description will do; a very long one is cut."""
        text = str(slot_value or "").strip()
        if not text:
            return {"address": None}
        return {"address": text[:MAX_ADDRESS_CHARS]}

    def validate_contact_consent(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Consent is a yes/no answer."""
        return {"contact_consent": bool(slot_value) if slot_value is not None else None}


class ActionComplaintSummary(Action):
    """Repeats what will be filed — what, where, which department — and asks to confirm."""

    def name(self) -> Text:
        return "action_complaint_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.get_slot("complaint_text") or ""
        street = tracker.get_slot("street")
        department, category_name = self._routing(text, street, tracker.get_slot("complaint_category"))
        consent = "同意" if tracker.get_slot("contact_consent") else "不同意"
        lines = [
            "我把您的诉求整理了一下：",
            f"问题：{text[:120]}{'…' if len(text) > 120 else ''}",
            f"地点：{describe_place(street, tracker.get_slot('address'))}",
        ]
        if category_name:
            lines.append(f"类别：{category_name}")
        lines.append(f"将转交：{department}" if department else "将转交：由区12345工单中心分派到责任部门")
        lines.append(f"联系您：{consent}")
        lines.append("确认提交吗？（回复“是”提交，“不”取消）")
        dispatcher.utter_message(text="\n".join(lines))
        return []

    @staticmethod
    def _routing(text: str, street: Optional[str], category_code: Optional[str]):
        """Department and category name: the backend's routing suggestion, else the model's category."""
        category = categories().get(category_code or "")
        try:
            suggestion = BackendClient.from_env().suggest_routing(text, street if street in street_names() else None)
            department = (suggestion.get("department") or {}).get("name")
            suggested = categories().get(str(suggestion.get("category") or ""))
            if department:
                return department, (suggested or category or {}).get("name")
        except BackendError:
            pass
        if category:
            return category["department_name"], category["name"]
        return None, None


class ActionFileComplaint(Action):
    """Files the confirmed complaint with the backend and replies with a petition card."""

    def name(self) -> Text:
        return "action_file_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        content = tracker.get_slot("complaint_text")
        if not content:
            dispatcher.utter_message(text="没有找到要提交的内容。请说说遇到了什么问题，比如“楼下饭店油烟太大”。")
            return reset_complaint_slots()
        street = tracker.get_slot("street")
        try:
            petition = BackendClient.from_env().file_petition(
                sender_id=tracker.sender_id,
                content=content,
                street=street if street in street_names() else None,
                address=(tracker.get_slot("address") or "").strip(),
                contact_consent=bool(tracker.get_slot("contact_consent")),
            )
        except BackendError:
            dispatcher.utter_message(
                text=f"非常抱歉，系统暂时没能提交成功，您的诉求还没有登记。请稍后再说一次“我要投诉”重新提交，或直接拨打{HOTLINE}反映。")
            return reset_complaint_slots()

        number = str(petition.get("number") or petition.get("id") or "")
        department = (petition.get("department") or {}).get("name")
        deadline = (petition.get("reply_deadline") or "")[:10]
        lines = [f"已提交！您的诉求编号是 {number}。"]
        lines.append(f"承办部门：{department}" if department else "承办部门：正在分派，分派后会通知您")
        if deadline:
            lines.append(f"答复期限：{deadline} 前")
        lines.append("随时可以说“我的投诉怎么样了”查看进度。")
        extra = {"status": petition.get("status"), "department": department, "reply_deadline": petition.get("reply_deadline")}
        dispatcher.utter_message(text="\n".join(lines),
                                 json_message={"cards": [card("petition", number, f"诉求 {number}", **extra)]})
        return reset_complaint_slots()


class ActionCancelComplaint(Action):
    """Drops the complaint in progress, politely; when the resident says it was not a complaint at all
    (answering "您是要反映问题吗"), offers the service the message names instead."""

    def name(self) -> Text:
        return "action_cancel_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # Inside the form, the rule follows this with action_deactivate_loop.
        if tracker.get_slot("requested_slot") == "complaint_confirmed":
            return self._not_a_complaint(dispatcher, tracker) + reset_complaint_slots()
        dispatcher.utter_message(text="好的，这条诉求先不提交了。以后想反映，随时跟我说“我要投诉”就行。")
        return reset_complaint_slots()

    @staticmethod
    def _not_a_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
        text = tracker.get_slot("complaint_text") or ""
        client = BackendClient.from_env()
        item = strong_service_match(client, search_query(text)) if text else None
        if item:
            try:
                dispatcher.utter_message(text="好的，不是投诉。您问的可能是这项业务：")
                return answer_item(dispatcher, client, item["code"], "overall", [])
            except BackendError:
                pass
        dispatcher.utter_message(response="utter_ask_which_service")
        return []
