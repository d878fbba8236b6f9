"""Every scalar criteria field a search names is wired to the record's value: ``HasValue`` (and,
for booleans, ``IsTrue`` and ``IsFalse``) answers 200 and agrees with the records.

The operators and field_values families probe the fields known records show under the filter's
own name. Issuetrak's filters also name fields that records spell differently (the filter's
``createdBy`` is the record's ``createdByUserIid``, ``closedBy`` its ``closedByUser``,
``nextActionByDate`` its ``nextActionDate``, a singular word where the record has a plural), and
fields no known record shows at all. So for each search, every criteria field whose ``type``
points at a string, number, date or boolean match type is sent alone:

* strings, numbers and dates: ``HasValue``; booleans: ``IsTrue`` and ``IsFalse``;
* the answer is 200 (a criterion the document offers is never a server error, whatever the
  records hold: a null, an absent field);
* the record's property is found by those naming variants; every result that shows it must
  satisfy the criterion, and a known record (page 1 of the search) that satisfies it must be among
  the results when they all fit on the page.

In-process every field of every search is probed; live only the first search's, a few fields
(first those records do not show under the filter's name).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.field_values import match_enum
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, page_of
from issuetrak_tools._contract.semantics import identity, left_out, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

CHECK = "search_field_presence"
PAGE = 100
LIVE_FIELDS = 4
# whether a record's value satisfies a criterion (None: the document does not say)
Judge = Callable[[Any], bool | None]
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _has_number(value: Any) -> bool | None:
    """Whether a numeric criterion sees a value (a reference: its iid); None: not a number."""
    if isinstance(value, Mapping):
        value = value.get("iid")
    if value is None:
        return False
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return True
    try:
        float(str(value))
    except ValueError:
        return None
    return True


def _has_text(value: Any) -> bool | None:
    if isinstance(value, Mapping | list):
        return None  # how an object compares as text is not the document's to say
    return value not in (None, "")


def _has_date(value: Any) -> bool | None:
    if value in (None, ""):
        return False
    if not isinstance(value, str):
        return None
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return True


def _is(flag: bool) -> Judge:
    return lambda v: v is flag if isinstance(v, bool) or v is None else None


PROBES: dict[str, tuple[tuple[str, Judge], ...]] = {
    "StringMatchType": (("HasValue", _has_text),),
    "IntMatchType": (("HasValue", _has_number),),
    "FloatMatchType": (("HasValue", _has_number),),
    "DateTimeMatchType": (("HasValue", _has_date),),
    "DateOnlyMatchType": (("HasValue", _has_date),),
    "BooleanMatchType": (("IsTrue", _is(True)), ("IsFalse", _is(False))),
}  # match-type enum -> the criteria sent alone, each with its judge


def _words(name: str) -> tuple[str, ...]:
    """A name's words, lower case, a plural ``s`` dropped (``Savings`` and ``Saving`` agree)."""
    found = _WORD.findall(name[:1].upper() + name[1:])
    return tuple(w.lower().removesuffix("s") for w in found)


def record_field(field: str, shown: Sequence[str]) -> str | None:
    """The property records show for the filter field ``field``, by Issuetrak's naming variants:
    the same name, ``+User``, ``By`` -> ``ByUser``, ``By`` dropped, the same words (a plural
    ``s`` aside), then ``+UserIid`` (a user named by iid)."""
    spelled = [field, field + "User", field.replace("By", "ByUser", 1), field.replace("By", "", 1)]
    found = next((name for name in spelled if name in shown), None)
    if found is None:
        words = _words(field)
        found = next((name for name in shown if _words(name) == words), None)
    if found is None and field + "UserIid" in shown:
        found = field + "UserIid"
    return found


def presence_fields(document: Mapping[str, Any], shape: SearchShape) -> list[tuple[str, str]]:
    """``(field, match-type enum)`` of the search's scalar criteria fields, by name."""
    found = []
    for name, criteria in sorted(shape.kinds.items()):
        enum = match_enum(document, criteria)
        if enum in PROBES:
            found.append((name, enum))
    return found


@family(
    "field_presence",
    tier=Tier.SEARCH,
    priority=19,
    checks=(CHECK,),
    invariant="every scalar criteria field a search names, sent alone (HasValue; booleans IsTrue "
    "and IsFalse), answers 200 and agrees with the record's value, the record's property found "
    "by Issuetrak's naming variants (createdBy: createdByUserIid), a known record included",
)
def field_presence(ctx: PlanContext) -> list[Step]:
    steps = []
    for ref, shape in ctx.searches():
        fields = presence_fields(ctx.document, shape)[: LIVE_FIELDS if ctx.live else None]
        if fields:
            count = sum(len(PROBES[enum]) for _, enum in fields)
            steps.append(ctx.step(field_presence, "field presence", ref.label, count))
    return steps[:1] if ctx.live else steps


@field_presence.handles("field presence")
def probe_field_presence(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    known = [i for i in engine.items(ref) if isinstance(i, Mapping) and identity(i)]
    fields = presence_fields(engine.document, shape)
    if not fields:
        raise Unchecked(f"{ref.label}: no scalar criteria field to probe")
    shown = sorted({key for item in known for key in item})
    if engine.target.live:  # first the fields the other families cannot read under their name
        fields = sorted(fields, key=lambda f: f[0] in shown)[:LIVE_FIELDS]
    engine.recorder.ran_check(CHECK)
    for name, enum in fields:
        prop = record_field(name, shown)
        for match_type, judge in PROBES[enum]:
            problem = _send(engine, ref, shape, name, prop, match_type, judge, known)
            if problem is not None:
                return [problem]
    return []


def _send(
    engine: Engine,
    ref: Any,
    shape: SearchShape,
    name: str,
    prop: str | None,
    match_type: str,
    judge: Judge,
    known: Sequence[Mapping[str, Any]],
) -> FailureRecord | None:
    body = shape.body({name: {"type": match_type}}, page_size=PAGE)
    response = engine.request("POST", concrete(ref.path, {}), json=body)
    values, total = page_of(response.content)
    what = f"{name} {match_type}"
    if response.status_code != 200 or values is None:
        return _failure(engine, ref, response, f"{what}: answered {response.status_code}")
    if prop is None:
        return None  # no record shows the field: only the status can be judged
    for result in values:
        if isinstance(result, Mapping) and prop in result and judge(result[prop]) is False:
            problem = f"{what}: result {identity(result)} has {prop}={result[prop]!r}"
            return _failure(engine, ref, response, problem)
    expected = next((identity(i) for i in known if prop in i and judge(i[prop]) is True), None)
    if expected is not None and left_out(values, total, [expected]):
        problem = (
            f"{what}: {expected} has {prop}={_value_of(known, expected, prop)!r} but is not among "
            f"the {total} result(s)"
        )
        return _failure(engine, ref, response, problem)
    return None


def _value_of(known: Sequence[Mapping[str, Any]], wanted: str, prop: str) -> Any:
    return next((i.get(prop) for i in known if identity(i) == wanted), None)


def _failure(engine: Engine, ref: Any, response: Any, message: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "A criteria field the search offers does not filter by the record's value",
        f"{message} (the document offers this criterion on the search; the record's property is "
        "found by Issuetrak's naming: the same name, +User, ByUser, +UserIid, singular words)",
    )
