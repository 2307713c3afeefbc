"""Secrets at rest (an OIDC client secret): encrypted with a key from the environment.

`SECRET_ENCRYPTION_KEY` is a Fernet key (32 url-safe base64 bytes; `python -c "from cryptography.fernet
import Fernet; print(Fernet.generate_key().decode())"`). Unset, a key is derived from SECRET_KEY, so
`make run` needs nothing; production sets its own, and may list older keys after it (comma-separated)
to rotate: the first encrypts, all of them decrypt.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretUnreadable(Exception):
    """A stored secret that no configured key decrypts (the key was changed without rotation)."""


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tenantry-secret-box", info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _box() -> MultiFernet:
    from flask import current_app

    configured = current_app.config.get("SECRET_ENCRYPTION_KEY") or ""
    keys = [k.strip().encode() for k in configured.split(",") if k.strip()]
    if not keys:
        keys = [_derived_key(current_app.config["SECRET_KEY"])]
    return MultiFernet([Fernet(k) for k in keys])


def seal(plaintext: str) -> str:
    """Encrypt `plaintext` (authenticated: a tampered ciphertext does not decrypt)."""
    return _box().encrypt(plaintext.encode()).decode()


def unseal(ciphertext: str) -> str:
    try:
        return _box().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("A stored secret cannot be decrypted with the configured keys.") from None


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC-SHA256 of `value` under a key derived from SECRET_KEY for `purpose`: for short secrets that are
    only ever compared, never read back (recovery codes); without the key a stolen hash cannot be brute-forced."""
    import hashlib
    import hmac

    from flask import current_app

    key = hmac.new(current_app.config["SECRET_KEY"].encode(), f"keyed-hash:{purpose}".encode(),
                   hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
