"""Convenience information (便民信息): weather, street notices, volunteer activities, hospitals, transit.

The backend answers (GET /api/v1/bot/info/<kind>?sender_id=&street=&q=) with {"text", "cards", "street"}: it
reads the resident's words and, when they name no street, the street of the resident's profile."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .backend import BackendClient, BackendError, NotAvailable
from .common import HOTLINE, card, entity_values, latest_intent, latest_text, street_names

# intent → (backend kind, what residents call it, card type of listed items when the backend sends no cards)
INFO_KINDS = {
    "ask_weather": ("weather", "天气", "weather"),
    "ask_notice": ("notices", "街道通知公告", "notice"),
    "ask_activity": ("activities", "志愿活动", "activity"),
    "ask_hospital": ("hospitals", "医院和卫生服务中心", "hospital"),
    "ask_transit": ("transit", "公交出行", "transit"),
}
MAX_ITEMS = 5


def not_available_text(label: str) -> str:
    """Says plainly that this information is not online yet, and where to get it instead."""
    return (f"抱歉，「{label}」信息暂时还没有在线上提供，我这里查不到，也不想给您说错。"
            f"您可以关注区政府和所在街道的官方公众号，或拨打{HOTLINE}咨询。")


def _item_line(item: Dict[str, Any]) -> str:
    title = item.get("title") or item.get("name") or ""
    details = [str(item[k]) for k in ("date", "time", "address", "phone", "summary") if item.get(k)]
    return title + (f"（{'，'.join(details)}）" if details else "")


class ActionConvenienceInfo(Action):
    """Reads one kind of convenience information from the backend, and never makes any up."""

    def name(self) -> Text:
        return "action_convenience_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kind, label, card_type = INFO_KINDS.get(latest_intent(tracker), INFO_KINDS["ask_notice"])
        street = self._street(tracker)
        try:
            body = BackendClient.from_env().get_info(kind, street, sender_id=tracker.sender_id,
                                                     text=latest_text(tracker))
        except (NotAvailable, BackendError):
            dispatcher.utter_message(text=not_available_text(label))
            return []

        where = street_names().get(street or "", "")
        items = [i for i in body.get("items") or [] if isinstance(i, dict)]
        given = [c for c in body.get("cards") or [] if isinstance(c, dict) and c.get("type") and c.get("code")]
        if body.get("text"):
            cards = [card(c["type"], str(c["code"]), str(c.get("title") or ""),
                          **({"subtitle": c["subtitle"]} if c.get("subtitle") else {})) for c in given[:MAX_ITEMS]]
            dispatcher.utter_message(text=str(body["text"]), json_message={"cards": cards} if cards else None)
            # Only a street the resident named is kept: the profile's is home, not where a complaint happens.
            return [SlotSet("street", street)] if street else []
        if items:
            lines = "\n".join(f"{n}. {_item_line(i)}" for n, i in enumerate(items[:MAX_ITEMS], 1))
            text = f"{where}{label}：\n{lines}"
        else:
            dispatcher.utter_message(text=f"{where}目前没有新的{label}。")
            return [SlotSet("street", street)] if street else []

        cards = [card(card_type, str(i.get("code") or i.get("id")), i.get("title") or "")
                 for i in items[:MAX_ITEMS] if card_type and (i.get("code") or i.get("id"))]
        dispatcher.utter_message(text=text, json_message={"cards": cards} if cards else None)
        return [SlotSet("street", street)] if street else []

    @staticmethod
    def _street(tracker: Tracker) -> Optional[str]:
        known = street_names()
        for value in entity_values(tracker, "street"):
            if value in known:
                return value
        slot = tracker.get_slot("street")
        return slot if slot in known else None
