"""Errors the facade raises itself, before a request is sent or when a reply makes no sense
(defined in :mod:`issuetrak.errors`; these names stay importable from here).

HTTP errors (4xx/5xx) are raised by the policy layer under the client (``_exceptions``); these cover mistakes a
caller can fix locally (unknown field, wrong number of values, a PATCH path the document does not
allow) and 2xx replies that do not carry what the operation documents.
"""

from __future__ import annotations

from .errors import (
    ArityError,
    InvalidPatchError,
    RecordNotFoundError,
    UndecodableResponseError,
    UnexpectedResponseError,
    UnknownFieldError,
    UsageError,
)

__all__ = [
    "ArityError",
    "InvalidPatchError",
    "RecordNotFoundError",
    "UndecodableResponseError",
    "UnexpectedResponseError",
    "UnknownFieldError",
    "UsageError",
]
