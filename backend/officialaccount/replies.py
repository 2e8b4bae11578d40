"""The bot's replies (text, cards, buttons) as one official-account text message, cards as mini-program links."""

from __future__ import annotations

from html import escape

from backend.officialaccount.protocol import MAX_TEXT_BYTES, fit

# The mini-program page each card type opens (the same pages the mini-program's own chat opens).
CARD_PAGES = {
    "service_item": "pages/services/detail?code={code}",
    "petition": "pages/petitions/detail?number={code}",
    "notice": "pages/info/notice?id={code}",
    "activity": "pages/activities/detail?id={code}",
}
MINIPROGRAM_LINK = '<a data-miniprogram-appid="{appid}" data-miniprogram-path="{path}">{title}</a>'


def to_text(replies: list[dict], *, miniprogram_appid: str) -> str:
    """Joins the replies into one message: texts, then each card as a line linking to its mini-program page,
    then the buttons as things the follower can type. Parts that would not fit in one message are dropped."""
    parts: list[str] = []
    for reply in replies:
        if reply.get("text"):
            parts.append(reply["text"])
        for card in reply.get("cards") or []:
            parts.append("👉 " + card_link(card, miniprogram_appid))
        titles = [button["title"] for button in reply.get("buttons") or [] if button.get("title")]
        if titles:
            parts.append("您可以回复：" + "、".join(f"“{title}”" for title in titles))
    text = ""
    for part in parts:
        candidate = f"{text}\n{part}" if text else part
        if len(candidate.encode("utf-8")) > MAX_TEXT_BYTES:
            break
        text = candidate
    # One reply longer than a message on its own is cut rather than lost.
    return text or (fit(parts[0]) if parts else "")


def card_link(card: dict, miniprogram_appid: str) -> str:
    """A card as a text link that opens its page in the mini-program (plain title for unknown types)."""
    title = escape(card.get("title") or card.get("code") or "查看详情", quote=False)
    page = CARD_PAGES.get(card.get("type"))
    if page is None:
        return title
    path = page.format(code=card.get("code", ""))
    return MINIPROGRAM_LINK.format(appid=escape(miniprogram_appid), path=escape(path), title=title)
