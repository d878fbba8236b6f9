"""The token of a contract run: held so that no output of the run can show it.

A contract run prints tracebacks, fixture values (pytest shows a failing test's arguments,
hypothesis its falsifying example), curl reproductions, JUnit XML and log lines. Any of them may
hold an object that holds the token. So:

* :class:`Secret` keeps the token and shows ``[REDACTED]`` in every ``repr`` and ``str``; code
  that sends it asks for :meth:`Secret.reveal` at the last moment;
* :class:`CredentialHeaders` is the header mapping sent with requests: httpx and requests read
  its values, its ``repr`` shows none;
* :class:`Secrets` is the run's list of values to redact, shown redacted itself;
* :func:`redact` replaces the token in any text, and :func:`redact_test_report` in everything a
  pytest report carries (long representation, captured output and logs), before the terminal
  and the JUnit writer see it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "REDACTED",
    "CredentialHeaders",
    "Secret",
    "Secrets",
    "redact",
    "redact_test_report",
]

REDACTED = "[REDACTED]"
TOKEN_HEADER = "X-Api-Key"


class Secret:
    """A string that never shows itself: ``repr``/``str``/pickling give ``[REDACTED]``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The token itself, for the one place that sends it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # a pickled copy (multiprocessing, caches) must not carry the token either
        return (Secret, ("",))


class CredentialHeaders(dict[str, str]):
    """The credential headers of a run; a ``dict`` for the HTTP libraries, redacted in ``repr``."""

    def __repr__(self) -> str:
        return repr(dict.fromkeys(self, REDACTED))

    __str__ = __repr__


class Secrets(tuple[str, ...]):
    """The values to redact: a tuple for the code that redacts, ``[REDACTED]`` in ``repr``."""

    def __repr__(self) -> str:
        return f"Secrets({len(self)} x {REDACTED})"

    __str__ = __repr__


def credential_headers(token: Secret) -> CredentialHeaders:
    """``{"X-Api-Key": token}``, as the overlay's ``ApiTokenAuth`` sends it."""
    return CredentialHeaders({TOKEN_HEADER: token.reveal()})


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``[REDACTED]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _redacted_longrepr(longrepr: Any, secrets: tuple[str, ...]) -> Any:
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        path, line, reason = longrepr
        return (path, line, redact(str(reason), secrets))
    text = str(longrepr)
    if not any(secret and secret in text for secret in secrets):
        return longrepr  # keep pytest's structured form (colours, crash line) when it is clean
    return redact(text, secrets)


def redact_test_report(report: Any, secrets: Iterable[str]) -> None:
    """Remove ``secrets`` from a pytest ``TestReport``/``CollectReport`` in place.

    Called from ``pytest_runtest_makereport``/``pytest_make_collect_report`` hook wrappers, so
    the terminal, ``junit.xml`` and every other reporter only ever see the redacted report.
    """
    values = tuple(s for s in secrets if s)
    if not values:
        return
    report.longrepr = _redacted_longrepr(report.longrepr, values)
    sections = getattr(report, "sections", None)
    if sections:
        report.sections = [(title, redact(content, values)) for title, content in sections]
    properties = getattr(report, "user_properties", None)
    if properties:
        report.user_properties = [(name, redact(str(value), values)) for name, value in properties]
