"""Errors the facade raises itself, before a request is sent or when a reply makes no sense.

HTTP errors (4xx/5xx) are raised by the policy layer under the client (``_exceptions``); these cover mistakes a
caller can fix locally (unknown field, wrong number of values, a PATCH path the document does not
allow) and 2xx replies that do not carry what the operation documents.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from ._exceptions import IssuetrakError
from ._secrets import redact

__all__ = [
    "ArityError",
    "InvalidPatchError",
    "RecordNotFoundError",
    "UndecodableResponseError",
    "UnexpectedResponseError",
    "UnknownFieldError",
    "UsageError",
]


class UsageError(IssuetrakError, ValueError):
    """A call the facade can tell is wrong without asking the server."""


class UnknownFieldError(UsageError):
    """A field name the entity's schema does not have; the message lists the valid ones."""

    def __init__(self, field: str, valid: Iterable[str], where: str, hint: str = "") -> None:
        self.field = field
        self.valid = tuple(sorted(valid))
        self.where = where
        close = difflib.get_close_matches(field, self.valid, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        super().__init__(
            f"{where} has no field {field!r}{suggestion}; {hint + '; ' if hint else ''}"
            f"valid fields: {', '.join(self.valid)}"
        )


class ArityError(UsageError):
    """A criterion with the wrong number of values for its match type."""

    def __init__(self, field: str, match_type: str, expected: str, got: int) -> None:
        self.field, self.match_type, self.expected, self.got = field, match_type, expected, got
        super().__init__(f"{field}: {match_type} takes {expected}, got {got}")


class InvalidPatchError(UsageError):
    """A PATCH operation the document does not allow (path, op, value type or clearing)."""


class RecordNotFoundError(IssuetrakError, LookupError):
    """A record the facade looked up by search (no GET by iid exists) is not there."""


class UnexpectedResponseError(IssuetrakError):
    """A reply the facade cannot turn into the documented result (e.g. a 2xx without a body, or
    with ``strict=True`` a value the document does not allow). ``response`` is the reply."""

    def __init__(
        self, message: str, *, status_code: int, operation: str, response: Any = None
    ) -> None:
        self.status_code = status_code
        self.operation = operation
        self.response = response
        super().__init__(redact(f"{operation}: {message} (HTTP {status_code})"))


class UndecodableResponseError(UnexpectedResponseError):
    """A 2xx reply whose body is not the JSON it claims to be (cut short, say), after every
    retry a read allows. On a create, PATCH or upload (never retried) ``may_have_been_applied``
    is true: the site answered 2xx, so it did the work."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        operation: str,
        response: Any = None,
        may_have_been_applied: bool = False,
    ) -> None:
        self.may_have_been_applied = may_have_been_applied
        super().__init__(message, status_code=status_code, operation=operation, response=response)
