"""Masks personal data (mobile numbers, ID numbers) in text shown to staff or written to logs."""

from __future__ import annotations

import logging
import re

# 18-digit resident ID numbers (last character may be X) and mainland mobile numbers.
ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


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
    if not number:
        return number
    return ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", number)


def mask_text(text: str) -> str:
    """Masks every ID number and mobile number inside free text."""
    text = ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


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
