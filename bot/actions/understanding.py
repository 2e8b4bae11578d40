"""Evidence besides the model's intent: the shape of the message and the catalog's answer to it.

A service question the model misreads as a complaint must still reach its service card, and a
complaint must never start by asking for a street when the resident only asked something. So the
bot looks at the message itself (is it a how-to question? does it voice a grievance?) and at catalog
search (does one service match strongly?) before it starts the complaint form.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

from .backend import BackendClient, BackendError

# How residents ask about a service: how, what to bring, where, how long, whether they may.
QUESTION = re.compile(
    r"怎么|怎样|如何|咋|需要什么|需要哪些|需不需要|要什么|要啥|要带|带什么|带啥|准备什么|准备哪些|准备啥|什么|啥|"
    r"哪里|哪儿|在哪|去哪|哪个部门|哪个窗口|找谁|多久|多长时间|几天|几个工作日|多少|几成|几年|几个月|收费吗|要钱吗|费用|"
    r"什么条件|啥条件|条件是|符合|流程|手续|材料|能不能|能否|可不可以|可以.{0,16}吗|行不行|有没有|有份吗|"
    r"[吗呢么][？?。！!]*$|[？?]|请问|想问|问一下|问下|咨询|了解一下|是否|能.{0,6}吗"
)
# What a grievance sounds like: someone is not doing their job, something is wrong and goes on.
GRIEVANCE = re.compile(
    r"投诉|举报|反映|曝光|没人管|不管|管不管|管管|有没有人管|没人处理|不处理|不作为|推诿|踢皮球|扯皮|拖着|一直拖|拖了|"
    r"拖延|拖欠|欠薪|克扣|不发|乱收费|多收|多扣|少了|少发|少交|少算|刁难|态度差|态度恶劣|态度很差|骂人|不给办|不给退|"
    r"不退|拒不|拒绝|被取消|取消了|不说原因|没有理由|无缘无故|明明|凭啥|没下文|没了下文|石沉大海|没消息|没有消息|"
    r"没有回音|不一样|不一致|对不上|明显不|怎么批下来|怎么能|怎么可以|"
    r"扰民|吵得|吵死|噪音|臭|脏|乱扔|乱倒|乱搭|乱停|违规|违法|违章|私自|偷排|污染|油烟|隐患|危险|漏水|塌|"
    r"太.{0,3}(复杂|麻烦|慢|贵|差|难|久|乱|吵|脏|臭|过分|离谱)|"
    r"凭什么|为什么(还|不|没|要|老是|总是)|到底|太过分|受不了|没法|没办法住|忍无可忍|天天|每天|半夜|好几天|"
    r"几个月了|一直没|至今|迟迟|还没有人|没有人来|不回复|没回复|没人接|打不通|骗|坑|黑心|假的|过期的|变质"
)
EXPLICIT_COMPLAINT = re.compile(r"投诉|举报|反映一下|反映个|反映问题|我要反映|曝光")
# A catalog match at least this strong names the service (ranking.py scores: a name or alias the
# question contains adds 20–60; see bot/README.md for how it was chosen).
STRONG_MATCH_SCORE = 60.0
# The model must be this sure of `complain` before a message may skip the "是要反映问题吗" check.
SURE_COMPLAINT_CONFIDENCE = 0.8
MIN_UNAMBIGUOUS_CHARS = 12
MAX_QUERY_CHARS = 100


def looks_like_question(text: str) -> bool:
    """The message asks how/what/where/how long about something."""
    return bool(QUESTION.search(text or ""))


def voices_grievance(text: str) -> bool:
    """The message complains about someone or something (not only asks)."""
    return bool(GRIEVANCE.search(text or ""))


def search_query(text: str) -> str:
    """What to search the catalog for: the message, or its last part when long (the need comes last)."""
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_QUERY_CHARS else text[-MAX_QUERY_CHARS:]


def strong_service_match(client: BackendClient, text: str) -> Optional[Dict[str, Any]]:
    """The catalog item that the message names clearly (score ≥ STRONG_MATCH_SCORE), if any; None also when
    the backend cannot be asked (then the complaint path is the safe default)."""
    query = search_query(text)
    if not query:
        return None
    try:
        items = client.search_services(query, limit=3)
    except BackendError:
        return None
    if items and float(items[0].get("score") or 0.0) >= STRONG_MATCH_SCORE:
        return items[0]
    return None


def is_service_question(client: BackendClient, text: str) -> Optional[Dict[str, Any]]:
    """The item a complaint-or-unclear message really asks about: a how-to question without a grievance
    that the catalog matches strongly; else None."""
    if not looks_like_question(text) or voices_grievance(text):
        return None
    return strong_service_match(client, text)


def is_unambiguous_complaint(text: str, intent: str, confidence: float) -> bool:
    """A complaint that needs no "是要反映问题吗" check: it says 投诉/举报, or the model is sure and the
    message is a grievance of some length rather than a question."""
    text = text or ""
    if EXPLICIT_COMPLAINT.search(text):
        return True
    if intent != "complain" or confidence < SURE_COMPLAINT_CONFIDENCE:
        return False
    if len(text) < MIN_UNAMBIGUOUS_CHARS:
        return False
    return voices_grievance(text) or not looks_like_question(text)
