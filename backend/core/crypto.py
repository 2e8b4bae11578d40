"""Encryption of personal data at rest (Fernet, keys derived from PHONE_ENCRYPTION_KEY per purpose)."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PURPOSES = ("phone", "wechat_session_key")


@functools.lru_cache(maxsize=16)
def _fernet(secret: str, purpose: str) -> Fernet:
    # One derived key per purpose, so a leaked session-key cipher says nothing about phone numbers.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zhijian-zhengwu", info=purpose.encode()).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _current(purpose: str) -> Fernet:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return _fernet(current_app.config["SETTINGS"].phone_encryption_key, purpose)


def encrypt(purpose: str, plaintext: str) -> str:
    """Encrypts text for storage."""
    return _current(purpose).encrypt(plaintext.encode()).decode()


def decrypt(purpose: str, token: str | None) -> str | None:
    """Decrypts stored text; None when absent or not readable with the current key."""
    if not token:
        return None
    try:
        return _current(purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        return None
