"""The credentials this process uses, so that no error or log line ever shows one.

Headers that carry a credential are redacted by name wherever a request is kept
(:func:`issuetrak._exceptions.redact_headers`). A site may also echo a credential back in a body
(an error page that lists the request headers, say); the auth objects therefore register their
secret here, and every error field and log line is passed through :func:`redact`, which replaces
each registered secret by ``[REDACTED]``.

Only secrets of at least :data:`MIN_SECRET_LENGTH` characters are registered: a shorter one
(a test token such as ``"t"``) would redact ordinary words. Real Issuetrak tokens are far longer.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "contains_secret", "redact", "redact_value", "remember"]

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 8

_secrets: tuple[str, ...] = ()
_lock = threading.Lock()


def remember(secret: str) -> None:
    """Register a credential (idempotent); it is redacted from errors and logs from now on."""
    global _secrets
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        return
    with _lock:
        if secret not in _secrets:
            # longest first, so that a secret containing another is replaced whole
            _secrets = tuple(sorted((*_secrets, secret), key=len, reverse=True))


def contains_secret(data: str | bytes) -> bool:
    """Whether ``data`` holds a registered credential."""
    if isinstance(data, bytes):
        return any(secret.encode() in data for secret in _secrets)
    return any(secret in data for secret in _secrets)


def redact(text: str) -> str:
    """``text`` with every registered credential replaced by ``[REDACTED]``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_value(value: Any) -> Any:
    """A decoded JSON value (or text) with every registered credential redacted, recursively."""
    if not _secrets:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            redact(str(k)) if isinstance(k, str) else k: redact_value(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value
