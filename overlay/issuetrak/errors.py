"""Every error the SDK raises, importable from one public place.

    IssuetrakError
    ├── ConfigurationError          bad base URL, missing token, ... (also a ValueError)
    │   └── UnknownVersionError     no generated client for the asked Issuetrak version
    ├── APIConnectionError          the request got no HTTP answer
    │   └── APITimeoutError
    ├── APIStatusError              the final answer was not 2xx
    │   ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
    │   ├── NotFoundError 404, RateLimitError 429, InternalServerError >= 500
    │   └── OperationNotAvailableError  (a NotFoundError) an empty 404 or a 405: the site lacks
    │                               the operation, likely another Issuetrak version
    ├── UsageError                  refused before sending (also a ValueError)
    │   ├── UnknownFieldError       a field the schema does not have; lists the valid ones
    │   ├── ArityError              wrong number of values for a filter match type
    │   ├── InvalidPatchError       a PATCH path/op/value the document does not allow
    │   └── PermissionConflictError group permissions that break a rule (see permissions.RULES)
    ├── RecordNotFoundError         a record looked up by search is not there (also a LookupError)
    └── UnexpectedResponseError     a 2xx reply without the documented body (strict: or with a
        │                           value the document does not allow)
        └── UndecodableResponseError  a 2xx body that is not JSON (cut short), after retries

Errors pickle with their fields; ``APIStatusError`` and ``APIConnectionError`` have ``.response``
and ``.request`` (never holding the token) and ``may_have_been_applied`` (a create, PATCH or
upload that may have reached the site before it failed; never retried).

Example::

    from issuetrak.errors import NotFoundError, UnknownFieldError

    try:
        client.users.update(12, emial="x@example.com")
    except UnknownFieldError as exc:
        print(exc.field, exc.valid)       # 'emial', ('address_line_one', ..., 'email', ...)
"""

from __future__ import annotations

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    IssuetrakError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from ._facade_errors import (
    ArityError,
    InvalidPatchError,
    RecordNotFoundError,
    UndecodableResponseError,
    UnexpectedResponseError,
    UnknownFieldError,
    UsageError,
)
from ._missing_route import OperationNotAvailableError
from ._versions import UnknownVersionError
from .permissions import PermissionConflictError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArityError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "InternalServerError",
    "InvalidPatchError",
    "IssuetrakError",
    "NotFoundError",
    "OperationNotAvailableError",
    "PermissionConflictError",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordNotFoundError",
    "UndecodableResponseError",
    "UnexpectedResponseError",
    "UnknownFieldError",
    "UnknownVersionError",
    "UsageError",
]
