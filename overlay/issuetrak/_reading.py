"""Reading replies the pinned document did not foresee: open enums, missing and odd properties.

Issuetrak adds enum values and properties with its releases, and a site answers what its own
release has. The generated models (our templates, see ``issuetrak_client.<label>.types``) ask a
*read policy* wherever the generator's code would raise; the client sets one for the duration of
parsing one reply:

========================  ===============================  =====================================
what the reply has        tolerant (the default)           ``Issuetrak(..., strict=True)``
========================  ===============================  =====================================
an enum value the         kept as a member of its own:     ``UnexpectedResponseError``
document does not list    ``UserAuthenticationType('SAML')``
                          (equal to ``"SAML"``, unequal
                          to every listed member)
a required property       reads as ``UNSET`` (falsy;       ``UnexpectedResponseError``
left out                  ``isinstance(x, Unset)``)
a value its type cannot   kept as sent (e.g. the string,   ``UnexpectedResponseError``
be built from, or of      ``None`` for a nested record,
another JSON type         ``"2"`` for an int)
an item of a list that    that item kept as sent; the      ``UnexpectedResponseError``
does not parse            other items parsed
a property the document   kept in ``additional_properties`` (both modes)
does not declare
========================  ===============================  =====================================

Each oddity is logged once per process at WARNING on the ``issuetrak`` logger, per (schema,
property), or per (enum, value) for enum values, with what was seen, so drift shows in the logs
without breaking production. Request bodies the client builds are never read under a policy: a
value the caller gives is checked as strictly as ever before anything is sent.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib
import threading
from collections.abc import Iterator
from typing import Any

from ._logging import logger

__all__ = ["ReadPolicy", "open_member", "reading", "reported_oddities"]

MAX_REPORTED = 256
"""Distinct oddities logged per process; after that one line says that further ones are not."""
_VALUE_TEXT = 80

_reported: set[tuple[str, str]] = set()
_reported_lock = threading.Lock()
_open_members: dict[tuple[type, object], Any] = {}


def reported_oddities() -> frozenset[tuple[str, str]]:
    """The (schema, property) and (enum, value) pairs logged so far (for tests and diagnostics)."""
    with _reported_lock:
        return frozenset(_reported)


def _text(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_TEXT else text[: _VALUE_TEXT - 3] + "..."


def _report(key: tuple[str, str], message: str, *args: object) -> None:
    with _reported_lock:
        if key in _reported:
            return
        full = len(_reported) >= MAX_REPORTED
        _reported.add(key)
    if full:
        if len(_reported) == MAX_REPORTED + 1:
            logger.warning("reply oddities: %d logged; further ones are not", MAX_REPORTED)
        return
    logger.warning(message, *args)


def open_member(cls: type[enum.Enum], value: object) -> Any:
    """A member of ``cls`` for a value it does not list (``None`` if the type does not fit).

    The member is an instance of ``cls`` (``str``/``int`` based, like the generated enums), so it
    compares equal to its value and unequal to every listed member, and ``.value`` and
    ``to_dict`` give the value back. One member per (class, value) is kept.
    """
    base: Any
    if issubclass(cls, str):
        base = str
    elif issubclass(cls, int):
        base = int
    else:
        return None
    if not isinstance(value, base) or isinstance(value, bool):
        return None
    key = (cls, value)
    member: Any = _open_members.get(key)
    if member is None:
        member = base.__new__(cls, value)
        member._name_ = str(value)
        member._value_ = value
        member = _open_members.setdefault(key, member)
    return member


class ReadPolicy:
    """What the generated models keep instead of raising (see the module docstring).

    ``open_enums``, ``keep_missing``, ``keep_odd``: which oddities are kept; the others raise
    as the generator's code does. ``log``: report each kept oddity once. ``unset``: the
    ``UNSET`` of the generated package being read. ``label``: its Issuetrak version, for the log.
    """

    __slots__ = ("keep_missing", "keep_odd", "label", "log", "open_enums", "unset")

    def __init__(
        self,
        *,
        unset: object,
        label: str,
        open_enums: bool = True,
        keep_missing: bool = True,
        keep_odd: bool = True,
        log: bool = True,
    ) -> None:
        self.unset = unset
        self.label = label
        self.open_enums = open_enums
        self.keep_missing = keep_missing
        self.keep_odd = keep_odd
        self.log = log

    def missing(self, schema: str, name: str) -> Any:
        if not self.keep_missing:
            raise KeyError(name)
        if self.log:
            _report(
                (schema, name),
                "reply oddity: %s.%s is required by the %s document but the reply left it out; "
                "it reads as UNSET",
                schema,
                name,
                self.label,
            )
        return self.unset

    def odd(self, where: str, value: object, error: Exception) -> Any:
        if not self.keep_odd:
            raise error
        if self.log:
            schema, _, name = where.partition(".")
            _report(
                (schema, name or where),
                "reply oddity: %s = %s does not fit the %s document (%s: %s); kept as sent",
                where,
                _text(value),
                self.label,
                type(error).__name__,
                _text(str(error)),
            )
        return value

    def enum(self, cls: type[enum.Enum], value: object) -> Any:
        if not self.open_enums:
            return None
        member = open_member(cls, value)
        if member is not None and self.log:
            _report(
                (cls.__name__, repr(value)),
                "reply oddity: %s is not a %s value in the %s document; kept as %s(%s)",
                _text(value),
                cls.__name__,
                self.label,
                cls.__name__,
                _text(value),
            )
        return member


@functools.cache
def _types_module(package: str) -> Any:
    return importlib.import_module(f"{package}.types")


@functools.cache
def tolerant_policy(package: str, label: str) -> ReadPolicy:
    """How the client reads a reply of ``package`` unless it is strict."""
    return ReadPolicy(unset=_types_module(package).UNSET, label=label)


@functools.cache
def carried_policy(package: str, label: str) -> ReadPolicy:
    """How a merge-update reads the stored record into the update model: values the site itself
    sent (an open enum member, a value kept as sent) go back as they are, silently (they were
    logged when the record was read); a required property it left out still raises, so the
    caller is told to pass it."""
    return ReadPolicy(
        unset=_types_module(package).UNSET, label=label, keep_missing=False, log=False
    )


@contextlib.contextmanager
def reading(package: str, policy: ReadPolicy | None) -> Iterator[None]:
    """Parse under ``policy`` (``None``: strict, the generated code's own behaviour)."""
    if policy is None:
        yield
        return
    var = _types_module(package).READ_POLICY
    token = var.set(policy)
    try:
        yield
    finally:
        var.reset(token)
