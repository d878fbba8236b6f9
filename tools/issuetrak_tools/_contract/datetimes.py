"""The one documented tolerance of the response-schema check: date-times without a UTC offset.

Issuetrak's own document writes its date-time examples without an offset (``2024-03-15T08:30:00``
for ``format: date-time``) and real sites send values of that form. RFC 3339, and so JSON
Schema's ``date-time`` format, require the offset. Flagging every such value would bury real
deviations under hundreds of identical reports, so the contract suite accepts exactly one extra
form: a valid calendar date and wall-clock time with optional fraction (up to seven digits, as
.NET writes them) and *no* offset. Anything else that RFC 3339 rejects (``yesterday``,
``2024-13-45T99:00:00``, a date alone, a space instead of ``T``) still fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, MutableMapping
from typing import Any

import jsonschema_rs

__all__ = [
    "install_date_time_tolerance",
    "is_rfc3339_date_time",
    "is_tolerated_date_time",
    "tolerated_count",
]

_TOLERATED = [0]  # values accepted only thanks to the tolerance, for the report

_NO_OFFSET = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?P<frac>\.\d{1,7})?$"
)
_STRICT = jsonschema_rs.Draft4Validator(
    {"type": "string", "format": "date-time"}, validate_formats=True
)


def is_rfc3339_date_time(value: str) -> bool:
    """What JSON Schema's ``date-time`` accepts (the validator schemathesis itself uses)."""
    return bool(_STRICT.is_valid(value))


def _is_offsetless_date_time(value: str) -> bool:
    match = _NO_OFFSET.fullmatch(value)
    if match is None:
        return False
    try:
        dt.date.fromisoformat(match["date"])
    except ValueError:
        return False
    # 60 seconds is a leap second, which RFC 3339 allows too
    return int(match["h"]) <= 23 and int(match["m"]) <= 59 and int(match["s"]) <= 60


def is_tolerated_date_time(value: str) -> bool:
    """RFC 3339 date-time, or the same without an offset (Issuetrak's documented form)."""
    if is_rfc3339_date_time(value):
        return True
    if _is_offsetless_date_time(value):
        _TOLERATED[0] += 1
        return True
    return False


def tolerated_count() -> int:
    """How many values this process accepted only because of the tolerance."""
    return _TOLERATED[0]


def _format_tables() -> list[MutableMapping[str, Callable[[Any], bool]]]:
    """The format tables schemathesis hands to every response validator it builds.

    schemathesis validates OpenAPI 3.0 responses with ``jsonschema_rs.Draft4Validator`` and passes
    ``DRAFT4_SUPPLEMENTAL_FORMATS`` as its custom formats; an entry there replaces the built-in
    check of that format name. Fail loudly if a schemathesis upgrade moves it, rather than
    silently losing the tolerance (or silently tolerating everything).
    """
    from schemathesis.core import jsonschema as st_jsonschema

    table = getattr(st_jsonschema, "DRAFT4_SUPPLEMENTAL_FORMATS", None)
    if not isinstance(table, dict):
        raise RuntimeError(
            "schemathesis.core.jsonschema.DRAFT4_SUPPLEMENTAL_FORMATS is gone: the date-time tolerance "
            "of the contract suite needs porting to this schemathesis version"
        )
    return [table]


def install_date_time_tolerance() -> None:
    """Make schemathesis's response-schema check use :func:`is_tolerated_date_time` for ``date-time``."""
    from schemathesis.core import jsonschema as st_jsonschema

    for table in _format_tables():
        table["date-time"] = is_tolerated_date_time
    # validators built before the change would keep the strict format
    for cache_name in ("validator_cache", "_seeded_validator_cache"):
        cache = getattr(st_jsonschema, cache_name, None)
        clear = getattr(cache, "clear", None)
        if callable(clear):
            clear()
