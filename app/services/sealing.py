"""Sealing: authenticated encryption for secrets the product must keep readable for a while
(an unsent email's link), with a key derived from SECRET_KEY. Hashes are for what is only compared."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class Unsealable(Exception):
    """The text was sealed with another key (SECRET_KEY changed) or altered."""


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"tenantry.seal.v1:" + secret).digest()))


def seal(text: str) -> str:
    """Encrypt and authenticate `text`."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def unseal(token: str) -> str:
    """The text `seal` sealed; `Unsealable` if it was altered or sealed under another key."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise Unsealable("sealed with another SECRET_KEY, or altered") from exc
