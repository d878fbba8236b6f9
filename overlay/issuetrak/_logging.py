"""The ``issuetrak`` logger and ``ISSUETRAK_LOG``.

Everything is logged on ``logging.getLogger("issuetrak")``: one INFO line per request that got a
response (method, path, status, elapsed, attempt, trace id), DEBUG lines for every retry and
rate-limit decision. Nothing logged ever contains a credential: lines are built from the method,
the URL path (no query string, no headers) and numbers, and a :class:`RedactingFilter` on this
logger and on httpx's and httpcore's removes any credential a site echoed back (httpcore's DEBUG
lines print response headers) from every record, whoever configured logging.

``ISSUETRAK_LOG=debug`` or ``ISSUETRAK_LOG=info`` attaches a stderr handler at that level the
first time a client is created (unless the logger already has a handler), so a user can see the
traffic without touching ``logging`` configuration; any other value is reported with a warning.
A client-side rate-limit wait of 30 s or more is logged as a WARNING, which Python shows on stderr
even when logging was never configured.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

__all__ = ["HTTP_LOGGERS", "LOG_ENV", "RedactingFilter", "logger", "setup_logging"]

LOG_ENV = "ISSUETRAK_LOG"
logger = logging.getLogger("issuetrak")


class RedactingFilter(logging.Filter):
    """Removes every registered credential (in any form the site may echo it, see
    :mod:`issuetrak._secrets`) from a record's message and exception text.

    Installed on the ``issuetrak``, ``httpx`` and ``httpcore`` loggers (httpcore's DEBUG lines
    print response headers, which may echo the token). A handler of your own that collects
    records from other loggers can take one too: ``handler.addFilter(RedactingFilter())``."""

    def filter(self, record: logging.LogRecord) -> bool:
        from ._secrets import contains_secret, redact

        message = record.getMessage()
        if contains_secret(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if contains_secret(text):
                record.exc_text = redact(text)
        elif record.exc_text and contains_secret(record.exc_text):
            record.exc_text = redact(record.exc_text)
        return True


HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
"""The loggers of the HTTP stack under the SDK. A logger's filter sees only the records logged
on that logger (not those of its children), hence every module's logger by name."""

_FILTER = RedactingFilter()
for _name in ("issuetrak", *HTTP_LOGGERS):
    logging.getLogger(_name).addFilter(_FILTER)

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_configured = False


def setup_logging(value: str | None = None) -> None:
    """Apply ``ISSUETRAK_LOG`` (or ``value``); a no-op when unset, unknown or already done."""
    global _configured
    if _configured:
        return
    setting = ((os.environ.get(LOG_ENV) if value is None else value) or "").strip()
    level = _LEVELS.get(setting.lower())
    if level is None:
        if setting:  # a typo must not look like "nothing to log"
            _configured = True
            warnings.warn(
                f"{LOG_ENV}={setting!r} is not one of {', '.join(_LEVELS)}; "
                "the issuetrak logger is left as it is",
                stacklevel=3,
            )
        return
    _configured = True
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(_FILTER)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
