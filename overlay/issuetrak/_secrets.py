"""The credentials this process uses, so that no error or log line ever shows one.

Headers that carry a credential are redacted by name wherever a request is kept
(:func:`redact_headers`). A site may also echo a credential back anywhere:
an error page that lists the request headers, a ``traceId`` or ``Request-Id`` that repeats it, a
body in UTF-16. The auth objects therefore register their secret here, and every error field and
log line is passed through :func:`redact` (text) or :func:`redact_bytes` (a body), which replace
each registered secret by ``[REDACTED]`` in every form an echo is likely to take:

* as it is, or in another letter case;
* URL-encoded (``%XX``, ``+`` for a space), JSON-escaped (``\\/``, ``\\uXXXX``), HTML-escaped;
* base64 (standard or URL-safe, padded or not, alone or inside a longer base64 text such as a
  ``Basic`` credential), hexadecimal;
* in a body: encoded in UTF-8, UTF-16 or UTF-32 (either byte order), the replacement encoded
  the same way so that the body still decodes.

Only secrets of at least :data:`MIN_SECRET_LENGTH` characters are registered: a shorter one
(a test token such as ``"t"``) would redact ordinary words. Real Issuetrak tokens are far longer.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SECRET_HEADERS",
    "contains_secret",
    "echo_forms",
    "redact",
    "redact_bytes",
    "redact_headers",
    "redact_value",
    "remember",
]

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset(
    {"x-api-key", "authorization", "x-issuetrak-api-authorization", "cookie", "proxy-authorization"}
)
"""Headers that carry a credential: replaced by ``[REDACTED]`` wherever a request is kept."""
MIN_SECRET_LENGTH = 8
_BODY_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")

_secrets: tuple[str, ...] = ()
_forms: tuple[str, ...] = ()  # every echo form of every secret, longest first
_plain: tuple[str, ...] | None = None  # the forms in lower case; None: one is not ASCII
_compiled: tuple[tuple[str, ...], re.Pattern[str], tuple[tuple[re.Pattern[bytes], bytes], ...]] = (
    (),
    re.compile("(?!)"),
    (),
)
_lock = threading.Lock()


def _base64_forms(raw: bytes) -> set[str]:
    """Base64 text that holds ``raw`` at any of the three byte alignments: the characters that
    depend on ``raw`` alone, so they appear whatever surrounds it."""
    forms: set[str] = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + raw).decode()
            if offset == 0:
                forms.add(text)
                forms.add(text.rstrip("="))
            end = 4 * ((offset + len(raw)) // 3)
            start = 4 if offset else 0
            if end - start >= MIN_SECRET_LENGTH:
                forms.add(text[start:end])
    return forms


def echo_forms(secret: str) -> set[str]:
    """Every text form of ``secret`` that :func:`redact` replaces (see the module docstring)."""
    raw = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
        html.escape(secret),
        raw.hex(),
        *_base64_forms(raw),
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def _patterns() -> tuple[re.Pattern[str], tuple[tuple[re.Pattern[bytes], bytes], ...]]:
    """The text pattern and the body patterns of the registered forms, compiled the first time
    they are needed after a secret was added: compiling takes tens of milliseconds per secret,
    which a client's construction should not pay when nothing is ever echoed."""
    global _compiled
    forms, text, bodies = _compiled
    if forms is _forms:
        return text, bodies
    with _lock:
        forms = _forms
        alternatives = "|".join(re.escape(form) for form in forms)
        text = re.compile(alternatives, re.IGNORECASE)
        bodies = tuple(
            (
                re.compile(
                    b"|".join(re.escape(form.encode(encoding)) for form in forms), re.IGNORECASE
                ),
                REDACTED.encode(encoding),
            )
            for encoding in _BODY_ENCODINGS
        )
        _compiled = (forms, text, bodies)  # one assignment: readers never see a mixed state
    return text, bodies


def remember(secret: str) -> None:
    """Register a credential (idempotent); it is redacted from errors and logs from now on."""
    global _secrets, _forms, _plain
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        return
    with _lock:
        if secret not in _secrets:
            # longest first, so that a secret containing another is replaced whole
            secrets = tuple(sorted((*_secrets, secret), key=len, reverse=True))
            forms = tuple(
                sorted({f for s in secrets for f in echo_forms(s)}, key=len, reverse=True)
            )
            ascii_only = all(form.isascii() for form in forms)
            _plain = tuple(form.lower() for form in forms) if ascii_only else None
            _forms = forms
            _secrets = secrets


def contains_secret(data: str | bytes) -> bool:
    """Whether ``data`` holds a registered credential in any form :func:`redact` knows."""
    if not _secrets:
        return False
    if isinstance(data, bytes | bytearray):
        return any(pattern.search(data) for pattern, _ in _patterns()[1])
    plain = _plain
    if plain is not None and data.isascii():
        # ASCII text against ASCII forms: a case-insensitive match is a lower-case substring
        # (no pattern to compile on the path every log record takes)
        lowered = data.lower()
        return any(form in lowered for form in plain)
    return _patterns()[0].search(data) is not None


def redact(text: str) -> str:
    """``text`` with every registered credential replaced by ``[REDACTED]``."""
    if not text or not contains_secret(text):
        return text
    return _patterns()[0].sub(REDACTED, text)


def redact_bytes(data: bytes) -> bytes:
    """A body with every registered credential replaced, in whichever of UTF-8, UTF-16 and
    UTF-32 it is encoded (the replacement in the same encoding)."""
    if not _secrets or not data:
        return data
    for pattern, replacement in _patterns()[1]:
        data = pattern.sub(replacement, data)
    return data


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every credential header replaced by ``[REDACTED]`` and every
    echoed credential redacted from the others."""
    return {
        redact(k): (REDACTED if k.lower() in SECRET_HEADERS else redact(v))
        for k, v in headers.items()
    }


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
