"""Answers questions about government service items from the backend catalog (办事指南)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend import BackendClient, BackendError, NotAvailable
from .common import (BACKEND_APOLOGY, card, entity_texts, entity_values, latest_intent, latest_text,
                     reset_complaint_slots)
from .understanding import search_query, voices_grievance

ASPECTS = ("materials", "place", "time_limit", "fee", "conditions", "process", "overall")

# Keywords that name an aspect when the entity extractor found none (checked in this order).
ASPECT_KEYWORDS = (
    ("materials", ("材料", "带什么", "带啥", "证件", "准备什么", "准备啥", "准备哪些", "要带", "需要什么")),
    ("fee", ("钱", "收费", "费用", "免费", "花多少")),
    ("time_limit", ("多久", "几天", "多长时间", "时限", "当天", "多快", "几个工作日")),
    ("place", ("在哪", "哪里办", "去哪", "地址", "窗口", "大厅", "电话", "几点上班")),
    ("conditions", ("条件", "要求", "谁能", "谁可以", "符合", "能不能办", "资格")),
    ("process", ("流程", "步骤", "怎么", "咋", "手续", "网上", "如何", "几趟")),
)
# A follow-up without an item in context is searched as a question when it is at least this long.
MIN_QUESTION_CHARS = 8
FOLLOW_UP_HINT = "您还可以接着问：要带什么材料、在哪办、要多久、要不要钱、办理条件、流程。"


def resolve_aspect(tracker: Tracker) -> str:
    """Which part of the guide the resident asks about: the aspect entity, else keywords, else overall."""
    for value in entity_values(tracker, "aspect"):
        if value in ASPECTS:
            return value
    text = latest_text(tracker)
    for aspect, words in ASPECT_KEYWORDS:
        if any(word in text for word in words):
            return aspect
    return "overall"


def format_time_limit(item: Dict[str, Any]) -> str:
    """'即办' or the promised (and legal) number of working days, plus the catalog's own wording."""
    promised = item.get("promised_time_limit_days")
    legal = item.get("legal_time_limit_days")
    parts = []
    if promised == 0:
        parts.append("即办（材料齐全当场办结）")
    elif promised:
        parts.append(f"承诺{promised}个工作日内办结")
    if legal:
        parts.append(f"法定时限{legal}个工作日")
    text = (item.get("time_limit_text") or "").strip()
    if text and text not in "，".join(parts):
        parts.append(text)
    return "，".join(parts) or "办理时限请以窗口告知为准"


def _numbered(lines: List[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def format_materials(item: Dict[str, Any]) -> str:
    """The materials list: name（form，count份；notes）."""
    lines = []
    for material in item.get("materials") or []:
        details = "，".join(str(x) for x in (material.get("form"), f"{material['count']}份" if material.get("count") else None) if x)
        line = material.get("name", "")
        if details:
            line += f"（{details}）"
        if material.get("notes"):
            line += f"：{material['notes']}"
        lines.append(line)
    if not lines:
        return f"「{item['name']}」目前没有列出需要准备的材料，建议办理前先电话咨询窗口。"
    return f"办理「{item['name']}」需要准备：\n" + _numbered(lines)


def format_places(item: Dict[str, Any]) -> str:
    """Where to go (name, address, hours, phone) and the online link when there is one."""
    lines = []
    for place in item.get("places") or []:
        line = place.get("name") or ""
        if place.get("address"):
            line += f"，地址：{place['address']}"
        if place.get("hours"):
            line += f"，办公时间：{place['hours']}"
        if place.get("phone"):
            line += f"，电话：{place['phone']}"
        lines.append(line)
    text = (f"「{item['name']}」可以到这些地方办理：\n" + _numbered(lines)) if lines else \
        f"「{item['name']}」暂未登记线下办理地点。"
    if item.get("online_url"):
        text += f"\n也可以网上办理：{item['online_url']}"
    return text


def format_answer(item: Dict[str, Any], aspect: str) -> str:
    """The reply for one aspect of a service item, built only from the catalog data."""
    name = item["name"]
    if aspect == "materials":
        return format_materials(item)
    if aspect == "place":
        return format_places(item)
    if aspect == "time_limit":
        return f"「{name}」的办理时限：{format_time_limit(item)}。"
    if aspect == "fee":
        return f"「{name}」的收费：{item.get('fee') or '请以窗口告知为准'}。"
    if aspect == "conditions":
        conditions = [c for c in item.get("conditions") or [] if c]
        if not conditions:
            return f"「{name}」没有列出特别的办理条件。"
        return f"办理「{name}」需要满足：\n" + _numbered(conditions)
    if aspect == "process":
        steps = [f"{s.get('title', '')}：{s.get('description', '')}".strip("：") for s in item.get("steps") or []]
        text = (f"「{name}」的办理流程：\n" + _numbered(steps)) if steps else f"「{name}」暂未列出办理流程。"
        if item.get("online_url"):
            text += f"\n网上办理入口：{item['online_url']}"
        return text
    department = (item.get("department") or {}).get("name")
    lines = [f"「{name}」（{department}）" if department else f"「{name}」"]
    if item.get("summary"):
        lines.append(item["summary"])
    lines.append(f"办理时限：{format_time_limit(item)}")
    if item.get("fee"):
        lines.append(f"收费：{item['fee']}")
    return "\n".join(lines)


COMPLAINT_BUTTON = {"title": "我要反映问题", "payload": "/start_complaint"}


def answer_item(dispatcher: CollectingDispatcher, client: BackendClient, code: str, aspect: str,
                others: List[Dict[str, Any]], complaint_button: bool = False) -> List[Dict[Text, Any]]:
    """Reads one item's guide and answers the aspect asked with a service_item card (and a "我要反映问题"
    button when the message might have been a complaint); returns the slot events. Raises BackendError."""
    item = client.get_service(code)
    text = format_answer(item, aspect)
    if others:
        text += "\n\n您可能还想了解：" + "、".join(f"「{o['name']}」" for o in others if o.get("name"))
    text += "\n" + FOLLOW_UP_HINT
    if complaint_button:
        text += "\n如果您是想反映问题、投诉，请点“我要反映问题”。"
    dispatcher.utter_message(text=text, json_message={"cards": [card("service_item", item["code"], item["name"])]},
                             buttons=[COMPLAINT_BUTTON] if complaint_button else None)
    return [SlotSet("service_code", item["code"]), SlotSet("service_name", item["name"]), SlotSet("aspect", aspect)]


def service_queries(tracker: Tracker, new_question: bool) -> List[str]:
    """What to search for, best first: a new question is searched whole (catalog search weighs the need over
    the situation), then by the service the resident named; a follow-up names a service or none."""
    named = entity_texts(tracker, "service")
    text = latest_text(tracker)
    # A "follow-up" with no item in context that says more than an aspect is a question of its own.
    if new_question or (not named and not tracker.get_slot("service_code") and len(text) >= MIN_QUESTION_CHARS):
        whole = search_query(text)
        return list(dict.fromkeys(q for q in (whole, *named) if q))
    return named[:1]


def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, new_question: bool,
                    complaint_button: Optional[bool] = None) -> List[Dict[Text, Any]]:
    """Finds the item the latest message asks about (or the one in the slot, for a follow-up) and answers
    the aspect asked; returns the events. The "我要反映问题" button is shown when asked for, or by default
    when the message voices a grievance."""
    aspect = resolve_aspect(tracker)
    queries = service_queries(tracker, new_question)
    code = tracker.get_slot("service_code")
    client = BackendClient.from_env()
    others: List[Dict[str, Any]] = []
    events: List[Dict[Text, Any]] = []
    if tracker.active_loop.get("name") == "complaint_form":
        # Asked instead of confirming a complaint: the resident wanted the service after all.
        events = [ActiveLoop(None), SlotSet("requested_slot", None), *reset_complaint_slots()]
    if complaint_button is None:
        complaint_button = bool(queries) and voices_grievance(latest_text(tracker))
    try:
        if queries:
            items: List[Dict[str, Any]] = []
            for query in queries:
                items = client.search_services(query, limit=3)
                if items:
                    break
            if not items:
                dispatcher.utter_message(
                    text=f"没有找到和“{queries[0][:30]}”相关的办事事项。可以换个说法试试，比如“上户口”“办身份证”“公积金提取”。")
                return events + [SlotSet("aspect", aspect)]
            code, others = items[0]["code"], items[1:]
        elif not code:
            dispatcher.utter_message(response="utter_ask_which_service")
            return events + [SlotSet("aspect", aspect)]
        return events + answer_item(dispatcher, client, code, aspect, others, complaint_button=complaint_button)
    except NotAvailable:
        dispatcher.utter_message(text="这个事项暂时查不到了，可能已经调整。您可以换个说法再问一次。")
        return events + [SlotSet("service_code", None), SlotSet("service_name", None)]
    except BackendError:
        dispatcher.utter_message(text=BACKEND_APOLOGY)
        return events


class ActionAnswerService(Action):
    """Answers a service question or a follow-up about the same item (材料/地点/时限/收费/条件/流程)."""

    def name(self) -> Text:
        return "action_answer_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return answer_question(dispatcher, tracker, new_question=latest_intent(tracker) == "ask_service")
