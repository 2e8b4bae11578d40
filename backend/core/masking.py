"""Masks personal data — phone numbers, ID numbers, bank cards, exact house numbers — in text staff see or logs keep.

mask_text is the one function for free text; mask_data applies it to every string inside JSON-like data.
Numbers are found as runs of digits (ASCII or full-width) joined by spaces, dashes, dots or brackets, so
"+86 138-1234-5678", "１３８１２３４５６７８" and "320115 19900101 1234" are found like their plain forms; a run is
classified by its digits, and parts of a longer run (a phone number followed by a room number) are tried too.
Dates, times, amounts, petition numbers and service codes are left alone: they have no 11, 15, 16–19 digit part
of the right shape, or are joined to letters.
"""

from __future__ import annotations

import logging
import re

_DIGIT = "0-9\uff10-\uff19"  # ASCII and full-width digits
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
# A run: digits in groups joined by at most three separator characters; an ID number may end in X.
_RUN = re.compile(
    rf"(?<![{_DIGIT}A-Za-z])[+＋(（]{{0,2}}[{_DIGIT}]+(?:[ \u3000\-－.．()（）]{{1,3}}[{_DIGIT}]+)*"
    rf"(?:[XxＸｘ](?![A-Za-z]))?"
)
_GROUP = re.compile(rf"[{_DIGIT}]+[XxＸｘ]?")

_BIRTH = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
ID_18 = re.compile(rf"[1-9][0-9]{{5}}(?:18|19|20)[0-9]{{2}}{_BIRTH}[0-9]{{3}}[0-9X]", re.IGNORECASE)
ID_15 = re.compile(rf"[1-9][0-9]{{5}}[0-9]{{2}}{_BIRTH}[0-9]{{3}}")
MOBILE = re.compile(r"(?:0086|86)?(1[3-9][0-9])[0-9]{4}([0-9]{4})")
# Area code 010, 02x or 0xxx, then a local number of 7–8 digits that does not start with 0 or 1.
LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([2-9][0-9]{2,3})([0-9]{4})")
BANK_CARD = re.compile(r"[1-9][0-9]{15,18}")

# House numbers: digits before building, unit and room words. "楼", "层" and "号" alone are also floors, dates
# (5月3号) and metro lines (3号线), so a chain counts only with a strong word or right after a road's name.
_UNIT = r"号楼|号院|栋|幢|座|单元|层|楼|室|户|号"
_HOUSE = re.compile(
    rf"(?P<road>[路街巷道弄村里])?(?P<chain>(?:[{_DIGIT}]+\s*(?:{_UNIT})\s*)+(?:[{_DIGIT}]+(?:室)?)?)"
)
_STRONG_UNIT = re.compile(r"号楼|号院|栋|幢|单元|室|户")
_ANY_DIGIT = re.compile(rf"[{_DIGIT}]")


def _classify(groups: list[str]) -> str | None:
    """The masked form of a number (its digit groups) that is personal data, or None."""
    digits = "".join(groups)
    if ID_18.fullmatch(digits) or ID_15.fullmatch(digits):
        kept = 4 if len(digits) == 18 else 3  # the sequence number (and check digit), never the birthday
        return digits[:6] + "*" * (len(digits) - 6 - kept) + digits[-kept:]
    mobile = MOBILE.fullmatch(digits)
    if mobile:
        return f"{mobile.group(1)}****{mobile.group(2)}"
    landline = LANDLINE.fullmatch(digits)
    if landline:
        return f"{landline.group(1)}-****{landline.group(3)}"
    # Cards are written in groups of four; other groupings of 16–19 digits are dates and numbers side by side.
    if BANK_CARD.fullmatch(digits) and all(len(group) == 4 for group in groups[:-1]):
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    return None


def _mask_run(match: re.Match) -> str:
    run = match.group(0)
    groups = list(_GROUP.finditer(run))
    digits = [g.group(0).translate(_FULL_WIDTH).upper() for g in groups]
    pieces: list[str] = []
    done = 0  # characters of the run already copied or replaced
    start = 0
    while start < len(groups):
        # The longest stretch of groups from here that is a known number wins.
        for end in range(len(groups), start, -1):
            if any(d.endswith("X") for d in digits[start:end - 1]):
                continue  # an X ends an ID number; it cannot sit inside one
            masked = _classify(digits[start:end])
            if masked:
                begin = 0 if start == 0 else groups[start].start()  # a leading "+" or bracket goes too
                pieces.append(run[done:begin] + masked)
                done = groups[end - 1].end()
                start = end
                break
        else:
            start += 1
    pieces.append(run[done:])
    return "".join(pieces)


def _mask_house(match: re.Match) -> str:
    chain = match.group("chain")
    if not (_STRONG_UNIT.search(chain) or (match.group("road") and re.match(rf"[{_DIGIT}]+\s*号", chain))):
        return match.group(0)
    return (match.group("road") or "") + _ANY_DIGIT.sub("*", chain)


def mask_text(text: str) -> str:
    """Masks every phone number, ID number, bank card and exact house number inside free text."""
    if not text or not _ANY_DIGIT.search(text):
        return text
    return _HOUSE.sub(_mask_house, _RUN.sub(_mask_run, text))


def mask_data(value):
    """mask_text applied to every string inside lists and dicts (replies, entities, slot values)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    return value


def mask_phone(phone: str | None) -> str | None:
    """138****5678 for a mobile number; other strings keep only their last four characters."""
    if not phone:
        return phone
    match = MOBILE.fullmatch(phone)
    if match:
        return f"{match.group(1)}****{match.group(2)}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mask_id_number(number: str | None) -> str | None:
    """320115********123X for an ID number."""
    return mask_text(number) if number else number


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format: leave the record as logging would
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_installed = False


def install_log_masking() -> None:
    """Applies MaskingFilter to every log record the process creates, whichever handler emits it."""
    global _installed
    if _installed:
        return
    # Handler filters would miss handlers added later (gunicorn's, pytest's); the record factory does not.
    previous = logging.getLogRecordFactory()
    masking = MaskingFilter()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
