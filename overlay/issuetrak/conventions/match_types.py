"""Filter match types: how many values each takes in a search's ``filters``."""

from __future__ import annotations

__all__ = ["ARITY", "arity", "describe_arity"]

_NONE = (0, 0)
_ONE = (1, 1)
_TWO = (2, 2)
_SOME = (1, None)

ARITY: dict[str, tuple[int, int | None]] = {
    "MatchAny": _SOME,
    "Contains": _ONE,
    "StartsWith": _ONE,
    "EndsWith": _ONE,
    "LessThan": _ONE,
    "GreaterThan": _ONE,
    "LessThanOrEqual": _ONE,
    "GreaterThanOrEqual": _ONE,
    "On": _ONE,
    "After": _ONE,
    "Before": _ONE,
    "RangeInclusive": _TWO,
    "CustomRange": _TWO,
    "IsTrue": _NONE,
    "IsFalse": _NONE,
    "IsBlank": _NONE,
    "IsEmpty": _NONE,
    "HasValue": _NONE,
    **{
        f"{when}{unit}": _NONE
        for when in ("This", "Last", "Next")
        for unit in ("Week", "Month", "Year")
    },
    "Today": _NONE,
    "Yesterday": _NONE,
    "Tomorrow": _NONE,
}
"""(min, max) values per match type; ``None`` as max: no upper bound."""


def arity(match_type: str) -> tuple[int, int | None]:
    """(min, max) number of values; a match type this table does not know accepts any number."""
    return ARITY.get(match_type, (0, None))


def describe_arity(bounds: tuple[int, int | None]) -> str:
    """``(2, 2)`` -> ``"exactly 2 values"``: the bounds in words, for error messages."""
    low, high = bounds
    if high == 0:
        return "no values"
    if low == high:
        return f"exactly {low} value{'s' if low != 1 else ''}"
    if high is None:
        return f"at least {low} value{'s' if low != 1 else ''}"
    return f"{low} to {high} values"
