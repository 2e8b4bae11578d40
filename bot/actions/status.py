"""Progress of the resident's petitions (我的投诉怎么样了)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from .backend import BackendClient, BackendError
from .common import BACKEND_APOLOGY, card

MAX_LISTED = 5


class ActionPetitionStatus(Action):
    """Lists the resident's recent petitions: number, status and department."""

    def name(self) -> Text:
        return "action_petition_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            petitions = BackendClient.from_env().list_petitions(tracker.sender_id)
        except BackendError:
            dispatcher.utter_message(text=BACKEND_APOLOGY)
            return []
        if not petitions:
            dispatcher.utter_message(text="您还没有提交过诉求。遇到问题可以直接跟我说，比如“小区门口天天有人占道摆摊”。")
            return []

        lines, cards = [f"您最近的诉求（共{len(petitions)}条）："], []
        for n, petition in enumerate(petitions[:MAX_LISTED], 1):
            number = str(petition.get("number") or "")
            status = petition.get("status_label") or petition.get("status") or "处理中"
            department = (petition.get("department") or {}).get("name") or "待分派"
            line = f"{n}. {number}｜{status}｜{department}"
            deadline = (petition.get("reply_deadline") or "")[:10]
            if deadline:
                line += f"｜{deadline}前答复"
            lines.append(line)
            cards.append(card("petition", number, f"诉求 {number}", status=petition.get("status"),
                              status_label=status, department=department))
        if len(petitions) > MAX_LISTED:
            lines.append("更早的诉求可以在小程序“我的诉求”里查看。")
        dispatcher.utter_message(text="\n".join(lines), json_message={"cards": cards})
        return []
