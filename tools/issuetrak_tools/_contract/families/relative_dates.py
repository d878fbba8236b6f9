"""Relative date match types: ``Today`` ... ``NextYear`` return the records of that calendar window.

For each search with a date criteria field that its known records carry (in-process every such
search, live the first), every relative match type the document names is sent alone, on the first
such field and on every other whose known records hold dates of several days (live: the one of most
days), so that a record dated near a window's first or last day shows where the site's window lies.
The site's day is read from its own answers: the calendar day of the records ``Today`` returned
(else the day after ``Yesterday``'s, the day before ``Tomorrow``'s); without one, only the status
is checked. From that day each window follows (weeks Sunday to Saturday, as Issuetrak's calendar
runs): every result must lie in its window, and a known record that lies in it must be returned
when every result fits on the page. Against a live site the windows are widened by a day for the
results and narrowed by a day for the known records, since a record's time may be written in
another zone than the site's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, page_of
from issuetrak_tools._contract.semantics import identity, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

CHECK = "search_relative_dates"
DATE_KINDS = ("DateTimeCriteria", "DateOnlyCriteria")
DAYS = {"Today": 0, "Yesterday": -1, "Tomorrow": 1}
SHIFTS = {"This": 0, "Last": -1, "Next": 1}
UNITS = ("Week", "Month", "Year")
PAGE = 100
LIVE_FIELDS = 2  # live: the first dated field (the site's day) and the one of most known days
Window = tuple[dt.date, dt.date]


def relative_types(document: Mapping[str, Any], kind: str) -> list[str]:
    """The relative match types the criteria schema ``kind`` names (its ``type`` enum)."""
    schemas = document.get("components", {}).get("schemas", {})
    ref = schemas.get(kind, {}).get("properties", {}).get("type", {}).get("$ref", "")
    enum = schemas.get(ref_name(ref), {}).get("enum", [])
    known = {*DAYS, *(shift + unit for shift in SHIFTS for unit in UNITS)}
    return [name for name in enum if name in known]


def window(match_type: str, today: dt.date) -> Window:
    """The inclusive calendar-day window of ``match_type`` on the site's day ``today``."""
    if match_type in DAYS:
        day = today + dt.timedelta(days=DAYS[match_type])
        return day, day
    shift, unit = SHIFTS[match_type[:4]], match_type[4:]
    if unit == "Week":
        sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7) + dt.timedelta(weeks=shift)
        return sunday, sunday + dt.timedelta(days=6)
    if unit == "Month":
        year, month = divmod(today.year * 12 + today.month - 1 + shift, 12)
        after_year, after_month = divmod(year * 12 + month + 1, 12)
        start = dt.date(year, month + 1, 1)
        return start, dt.date(after_year, after_month + 1, 1) - dt.timedelta(days=1)
    year = today.year + shift
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _fields(shape: SearchShape, items: Sequence[Any]) -> list[str]:
    """The date criteria fields to probe: the first (by name) a known record carries a date in,
    then every other whose known records hold dates of more than one day, most days first (a
    field whose records all share a day cannot show where a window starts or ends)."""
    names = sorted(n for n, k in shape.kinds.items() if k in DATE_KINDS)
    days = {
        n: {d for i in items if isinstance(i, Mapping) and (d := _day(i.get(n))) is not None}
        for n in names
    }
    dated = [n for n in names if days[n]]
    spread = sorted((n for n in dated[1:] if len(days[n]) > 1), key=lambda n: -len(days[n]))
    return dated[:1] + spread


@family(
    "relative_dates",
    tier=Tier.SEARCH,
    priority=16,
    checks=(CHECK,),
    invariant="each relative date match type the document names (Today ... NextYear) returns the "
    "records inside that calendar window of the site's day (weeks Sunday to Saturday), a known "
    "one included",
)
def relative_dates(ctx: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for ref, shape in ctx.searches():
        kinds = {k for k in shape.kinds.values() if k in DATE_KINDS}
        count = max((len(relative_types(ctx.document, k)) for k in kinds), default=0)
        if count:
            fields = LIVE_FIELDS if ctx.live else 1  # in-process the estimate is not a budget
            steps.append(ctx.step(relative_dates, "relative dates", ref.label, count * fields))
    return steps[:1] if ctx.live else steps


@relative_dates.handles("relative dates")
def relative_windows(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    known = [i for i in engine.items(ref) if isinstance(i, Mapping) and identity(i)]
    names = _fields(shape, known)
    if not names:
        raise Unchecked(f"{ref.label}: no known record carries a date to probe relative types on")
    today: dt.date | None = None
    for name in names[:LIVE_FIELDS] if engine.target.live else names:
        answers: dict[str, tuple[Any, list[Mapping[str, Any]], int | None]] = {}
        for match_type in relative_types(engine.document, shape.kinds[name]):
            body = shape.body({name: {"type": match_type}}, page_size=PAGE)
            response = engine.request("POST", concrete(ref.path, {}), json=body)
            values, total = page_of(response.content)
            if response.status_code != 200 or not isinstance(values, list):
                message = f"{name} {match_type}: answered {response.status_code}"
                return [_failure(engine, ref, response, message)]
            items = [v for v in values if isinstance(v, Mapping)]
            answers[match_type] = (response, items, total)
        engine.recorder.ran_check(CHECK)
        today = today or _site_day(answers, name)
        if today is None:
            continue
        problem = _judge(engine, ref, answers, known, (name, today))
        if problem is not None:
            return [problem]
    return []


def _judge(
    engine: Engine,
    ref: Any,
    answers: Mapping[str, Any],
    known: Sequence[Mapping[str, Any]],
    probed: tuple[str, dt.date],
) -> FailureRecord | None:
    """The first answer with a result outside its window, or missing a known record inside it."""
    name, today = probed
    slack = dt.timedelta(days=1 if engine.target.live else 0)
    for match_type, (response, items, total) in answers.items():
        start, end = window(match_type, today)
        problem = _outside(items, name, (start - slack, end + slack))
        if problem is None and total is not None and total <= len(items):
            problem = _missing(known, items, name, (start + slack, end - slack))
        if problem is not None:
            message = (
                f"{name} {match_type} on the site's day {today} (window {start}..{end}): {problem}"
            )
            return _failure(engine, ref, response, message)
    return None


def _site_day(answers: Mapping[str, Any], name: str) -> dt.date | None:
    """The site's day, from the records its Today (else Yesterday, Tomorrow) answer returned."""
    for match_type, offset in DAYS.items():
        if match_type in answers:
            days = {d for i in answers[match_type][1] if (d := _day(i.get(name))) is not None}
            if len(days) == 1:
                return days.pop() - dt.timedelta(days=offset)
    return None


def _outside(items: Sequence[Mapping[str, Any]], name: str, bounds: Window) -> str | None:
    for item in items:
        if name not in item:  # a result that does not show the field cannot be judged
            continue
        day = _day(item.get(name))
        if day is None or not bounds[0] <= day <= bounds[1]:
            return f"result {identity(item)} has {name}={item.get(name)!r}, outside it"
    return None


def _missing(
    known: Sequence[Mapping[str, Any]],
    items: Sequence[Mapping[str, Any]],
    name: str,
    bounds: Window,
) -> str | None:
    returned = {identity(i) for i in items}
    for item in known:
        day = _day(item.get(name))
        if day is not None and bounds[0] <= day <= bounds[1] and identity(item) not in returned:
            return f"{identity(item)} has {name}={item.get(name)!r}, inside it, but is not returned"
    return None


def _failure(engine: Engine, ref: Any, response: Any, message: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "A relative date match type does not return its calendar window",
        f"{message} (the document's relative types are calendar windows of the site's day)",
    )
