"""The mock's limits on what one request may ask for, checked on the body's text before it is
parsed.

Parsing a 4 MB body builds hundreds of thousands of Python objects: seconds of work for the
validator after it, and memory that CPython's small-object allocator keeps (its arenas are given
back only when every object in them is gone, so a graph of 78,000 small dicts leaves the process
tens of MB larger). A request over a limit is therefore refused from a scan of its text that
looks only at brackets, strings and commas, and stops as soon as a limit is passed: the cost of
refusing it does not grow with how far over the limit it is, and no object graph is built.

The limits:

* a ``PATCH`` holds at most :attr:`Limits.patch_operations` operations (it is applied with the
  site locked, so its length is how long other requests wait);
* in a search, every array (a criteria's ``values``) holds at most :attr:`Limits.criteria_values`
  items, and the filter at most :attr:`Limits.criteria` criteria (objects with a ``type``,
  nested filters and UDF criteria included), so a search costs at most their product to check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits", "OverLimit", "check_limits"]

# what the scan stops at: strings (skipped whole, so brackets and commas inside them do not
# count) and structure; found with str.find, which runs at memory speed (a regular expression
# walks a 4 MB run of numbers a character at a time, holding the interpreter lock for 200 ms)
_MARKS = '"[]{}:'


def _string_end(text: str, start: int) -> int:
    """Where the string opening at ``start`` ends (after its closing quote; the text's end if
    it has none)."""
    at = start + 1
    while (quote := text.find('"', at)) >= 0:
        escapes = quote
        while text[escapes - 1] == "\\":
            escapes -= 1
        if (quote - escapes) % 2 == 0:  # an even run of backslashes escapes only itself
            return quote + 1
        at = quote + 1
    return len(text)


def _tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, the mark: one of :data:`_MARKS`) for each string and structural character."""
    size = len(text)
    following = {mark: text.find(mark) % (size + 1) for mark in _MARKS}  # -1: none, so size
    while True:
        mark = min(following, key=following.__getitem__)
        start = following[mark]
        if start >= size:
            return
        end = _string_end(text, start) if mark == '"' else start + 1
        yield start, end, mark
        for other, at in following.items():
            if at < end:  # passed (or inside the string): the next one after it
                following[other] = text.find(other, end) % (size + 1)


@dataclass(frozen=True)
class Limits:
    """What one request may ask of the mock (``create_app(limits=...)``); above a limit the
    answer is ``400`` with an ``ApiResponse`` that names it."""

    #: operations in one PATCH body
    patch_operations: int = 200
    #: items in any array of a search body (the ``values`` of one criteria)
    criteria_values: int = 1000
    #: criteria in one search body
    criteria: int = 100

    def __post_init__(self) -> None:  # a limit of 0 would refuse every request
        for name in ("patch_operations", "criteria_values", "criteria"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1, got {getattr(self, name)}")


#: The limits a site gets unless ``create_app(limits=...)`` says otherwise.
DEFAULT_LIMITS = Limits()


class OverLimit(ValueError):
    """A body over one of the :class:`Limits` (its message names the limit)."""


class _Frame:
    __slots__ = ("array", "commas", "key")

    def __init__(self, array: bool) -> None:
        self.array = array
        self.commas = 0
        self.key = ""  # an object's latest key, as its JSON token


def _path(stack: list[_Frame]) -> str:
    parts = ["$"]
    for frame in stack:
        if frame.array:
            parts.append(f"[{frame.commas}]")
        elif frame.key:
            parts.append(f".{json.loads(frame.key)}")
    return "".join(parts)


def _array_limit(kind: str, limits: Limits) -> tuple[int, int] | None:
    """(the most items, the deepest level it applies to; -1 for every level) for a route kind."""
    if kind == "patch":
        return limits.patch_operations, 0
    if kind == "search":
        return limits.criteria_values, -1
    return None


def check_limits(text: str, kind: str, limits: Limits) -> None:
    """Raise :class:`OverLimit` when the JSON ``text`` of a request to a route of ``kind``
    (``patch``, ``search``; others have no limits here) passes one of ``limits``.

    Malformed JSON is scanned as far as it looks like JSON: the parser after this reports it.
    """
    bounded = _array_limit(kind, limits)
    if bounded is None:
        return
    most, level = bounded
    stack: list[_Frame] = []
    criteria = 0
    end = 0
    for start, following, mark in _tokens(text):
        top = stack[-1] if stack else None
        if top is not None and top.array and start > end:
            top.commas += text.count(",", end, start)
            if top.commas >= most and level in (-1, len(stack) - 1):
                raise OverLimit(_too_many(kind, most, stack))
        end = following
        if mark in "[{":
            stack.append(_Frame(mark == "["))
        elif mark in "]}":
            if stack:
                stack.pop()
        elif mark == ":":
            if top is not None and not top.array and top.key == '"type"' and kind == "search":
                criteria += 1
                if criteria > limits.criteria:
                    raise OverLimit(
                        f"A search may hold at most {limits.criteria:,} criteria; "
                        "this one has more."
                    )
        elif top is not None and not top.array:
            top.key = text[start:end]  # a string in an object: a key, or its value after it


def _too_many(kind: str, most: int, stack: list[_Frame]) -> str:
    if kind == "patch":
        return f"A PATCH body may hold at most {most:,} operations; this one has more."
    # the array is the innermost frame; its parents name it
    return f"A criteria may hold at most {most:,} values; '{_path(stack[:-1])}' has more."
