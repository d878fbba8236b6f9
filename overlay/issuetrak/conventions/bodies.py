"""Response bodies: which are JSON, and the ``traceId`` Issuetrak puts in each of them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["TRACE_ID_KEY", "is_json_content_type", "trace_id", "trace_id_in"]

TRACE_ID_KEY = "traceId"
"""The key of the id Issuetrak writes into every JSON body (ApiResponse, problem details, pages)."""


def is_json_content_type(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` value (or several, comma-joined) announces JSON:
    ``application/json``, ``text/json``, ``application/problem+json`` and the like."""
    return "json" in (content_type or "").lower()


def trace_id(body: Any) -> str | None:
    """The ``traceId`` of a decoded body, or ``None`` when it has none (or an empty one)."""
    if isinstance(body, Mapping):
        trace = body.get(TRACE_ID_KEY)
        if isinstance(trace, str) and trace:
            return trace
    return None


_TRACE = re.compile(rb'"traceId"\s*:\s*"([^"\\]{1,200})"')


def trace_id_in(content: bytes | str | None, *, prefix: int | None = None) -> str | None:
    """The ``traceId`` of an undecoded JSON body; ``None`` for an empty or non-JSON body.

    With ``prefix``, only the body's first ``prefix`` bytes are searched and nothing is decoded
    (Issuetrak writes ``traceId`` first): cheap enough for a log line about a large page.
    """
    if not content:
        return None
    if prefix is not None:
        raw = content.encode() if isinstance(content, str) else content
        match = _TRACE.search(raw[:prefix])
        return match.group(1).decode("utf-8", "replace") if match else None
    try:
        return trace_id(json.loads(content))
    except (ValueError, UnicodeDecodeError):
        return None
