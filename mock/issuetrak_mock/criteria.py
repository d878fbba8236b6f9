"""Search filters: every ``*Criteria`` of the document compiled into a predicate over records.

The kind of a criteria is read from the document, not from a list in code: a criteria schema whose
``type`` points at ``StringMatchType`` is a string criteria, ``CollectionMatchType`` a collection
criteria, and so on. A criteria schema without ``type`` whose properties are criteria is an entity
criteria (``{iid, name}`` of a referenced record). ``udfs`` filters point at user defined fields by
IID, and filters with ``nestedFilters`` combine with ``queryOperator`` and ``negateAll``.

Semantics follow the match-type tables of the document:

* strings compare case-insensitively (Unicode case folding); ``IsBlank`` is null or empty;
* numbers compare numerically; ``RangeInclusive`` includes both ends;
* dates: ``On``/``After``/``Before`` and the relative types compare calendar days of the site's
  clock (weeks run Sunday to Saturday); ``MatchAny`` matches to the second; ``CustomRange`` is
  inclusive, a bare date as upper bound meaning the whole day;
* collections: ``CollectionContainsAtLeastOneMatchingEntity`` - some element matches;
  ``CollectionContainsOnlyMatchingEntities`` - the collection is not empty and every element
  matches; ``CollectionContainsAllMatchingEntities`` - every value listed in a ``MatchAny``
  sub-criteria is matched by some element (other sub-criteria: every element matches);
* a filter without criteria matches everything; ``negateAll`` negates the filter's combined result.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from issuetrak.conventions import arity, describe_arity

from .schemas import SchemaIndex, parse_datetime, ref_name

__all__ = [
    "EVERYTHING",
    "AllOf",
    "AnyOf",
    "Column",
    "FilterError",
    "Leaf",
    "Node",
    "Not",
    "Predicate",
    "Scan",
    "compile_filter",
    "date_window",
    "field_getter",
]

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]
Getter = Callable[[Record], Any]
Test = Callable[[Any], bool]

PAGING_KEYS = frozenset(
    {"sortField", "sortDirection", "pageNumber", "pageSize", "includeProperties"}
)
LOGIC_KEYS = frozenset({"negateAll", "queryOperator", "nestedFilters"})


class FilterError(ValueError):
    """A well-formed filter that cannot be applied (wrong number of values, unknown UDF...)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A getter that reads one record field, or one sub-field of it (``priority.iid``).

    Hashable, so a search index can group a store's records by the value a column reads.
    """

    key: str
    attr: str | None = None

    def __call__(self, record: Record) -> Any:
        value = record.get(self.key)
        if self.attr is None:
            return value
        return value.get(self.attr) if value.__class__ is dict else None


class Node:
    """A compiled filter: a predicate over records that a search index can also answer.

    Calling a node tests one record; :mod:`issuetrak_mock.index` instead walks the tree and answers
    each :class:`Leaf` on a :class:`Column` once per distinct value of the column.
    """

    __slots__ = ()

    def __call__(self, record: Record) -> bool:
        raise NotImplementedError


class Leaf(Node):
    """One criteria: ``test`` applied to the value ``read`` gets from a record."""

    __slots__ = ("read", "test")

    def __init__(self, read: Getter, test: Test) -> None:
        self.read = read
        self.test = test

    @property
    def column(self) -> Column | None:
        return self.read if isinstance(self.read, Column) else None

    def __call__(self, record: Record) -> bool:
        return self.test(self.read(record))


class Scan(Node):
    """A criteria over a whole record (collections): tested record by record."""

    __slots__ = ("pred",)

    def __init__(self, pred: Predicate) -> None:
        self.pred = pred

    def __call__(self, record: Record) -> bool:
        return self.pred(record)


class AllOf(Node):
    """Every part holds (no parts: every record matches)."""

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Node]) -> None:
        self.parts = tuple(parts)

    def __call__(self, record: Record) -> bool:
        return all(part(record) for part in self.parts)


class AnyOf(Node):
    """Some part holds."""

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Node]) -> None:
        self.parts = tuple(parts)

    def __call__(self, record: Record) -> bool:
        return any(part(record) for part in self.parts)


class Not(Node):
    """The part does not hold."""

    __slots__ = ("part",)

    def __init__(self, part: Node) -> None:
        self.part = part

    def __call__(self, record: Record) -> bool:
        return not self.part(record)


EVERYTHING = AllOf(())


def _all(parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else AllOf(parts)


def _norm(name: str) -> str:
    return name.lower().replace("s", "")


def field_getter(
    record_props: Mapping[str, Any], field: str, user_name: Callable[[Any], Any]
) -> Getter:
    """How a filter or sort field reads a record: same name, or Issuetrak's naming variants.

    ``closedBy`` reads ``closedByUser``, ``nextActionByDate`` reads ``nextActionDate``,
    ``createdBy`` reads the display name of ``createdByUserIid``.
    """
    candidates = [
        field,
        field + "User",
        field.replace("By", "ByUser", 1),
        field.replace("By", "", 1),
    ]
    found = next((c for c in candidates if c in record_props), None)
    if found is None:
        wanted = _norm(field)
        found = next((p for p in record_props if _norm(p) == wanted), None)
    if found is not None:
        return Column(found)
    if field + "UserIid" in record_props:
        key = field + "UserIid"
        return lambda r: user_name(r.get(key))
    return Column(field)


def _sub_getter(base: Getter, attr: str) -> Getter:
    if isinstance(base, Column) and base.attr is None:
        return Column(base.key, attr)  # a plain record field: read the sub-field in one step

    def nested(r: Record) -> Any:
        v = base(r)
        return v.get(attr) if v.__class__ is dict else None

    return nested


def date_window(kind: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The inclusive calendar-day window of a relative date match type (weeks Sunday-Saturday)."""
    day = dt.timedelta(days=1)
    if kind == "Today":
        return today, today
    if kind == "Yesterday":
        return today - day, today - day
    if kind == "Tomorrow":
        return today + day, today + day
    if kind in ("ThisWeek", "LastWeek", "NextWeek"):
        sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7)
        shift = {"ThisWeek": 0, "LastWeek": -7, "NextWeek": 7}[kind]
        start = sunday + dt.timedelta(days=shift)
        return start, start + dt.timedelta(days=6)
    if kind in ("ThisMonth", "LastMonth", "NextMonth"):
        month_index = (
            today.year * 12
            + today.month
            - 1
            + {"ThisMonth": 0, "LastMonth": -1, "NextMonth": 1}[kind]
        )
        start = dt.date(month_index // 12, month_index % 12 + 1, 1)
        nxt = month_index + 1
        end = dt.date(nxt // 12, nxt % 12 + 1, 1) - day
        return start, end
    if kind in ("ThisYear", "LastYear", "NextYear"):
        year = today.year + {"ThisYear": 0, "LastYear": -1, "NextYear": 1}[kind]
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None


def _check_arity(field: str, kind: str, values: list[Any]) -> None:
    # the client's table (issuetrak.conventions.ARITY), so the mock refuses what the SDK refuses
    low, high = arity(kind)
    if len(values) < low or (high is not None and len(values) > high):
        raise FilterError(
            f"'{field}': criteria type '{kind}' takes {describe_arity((low, high))}, "
            f"got {len(values)}."
        )


def _string_test(field: str, kind: str, values: list[Any]) -> Test:
    low = [str(v).casefold() for v in values]

    def text(v: Any) -> str | None:
        return None if v is None else str(v).casefold()

    if kind == "MatchAny":
        wanted = set(low)
        return lambda v: text(v) in wanted
    if kind == "Contains":
        return lambda v: (t := text(v)) is not None and low[0] in t
    if kind == "StartsWith":
        return lambda v: (t := text(v)) is not None and t.startswith(low[0])
    if kind == "EndsWith":
        return lambda v: (t := text(v)) is not None and t.endswith(low[0])
    if kind in ("IsBlank", "IsEmpty"):
        return lambda v: not text(v)
    if kind == "HasValue":
        return lambda v: bool(text(v))
    raise FilterError(f"'{field}': unsupported string criteria type '{kind}'.")


def _number(value: Any) -> float | None:
    cls = value.__class__
    if cls is int or cls is float:
        return float(value)
    if cls is dict:
        value = value.get("iid")
        if value.__class__ is int:
            return float(value)
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _numeric_test(field: str, kind: str, values: list[Any]) -> Test:
    try:
        nums = [float(v) for v in values]
    except (TypeError, ValueError):
        raise FilterError(f"'{field}': the values of '{kind}' must be numbers.") from None

    def cmp(test: Callable[[float], bool]) -> Test:
        return lambda v: (n := _number(v)) is not None and test(n)

    if kind == "MatchAny":
        wanted = set(nums)

        def match_any(v: Any) -> bool:
            if v.__class__ is int:  # the common case, without conversions
                return v in wanted
            n = _number(v)
            return n is not None and n in wanted

        return match_any
    if kind == "RangeInclusive":
        lo, hi = min(nums), max(nums)
        return cmp(lambda n: lo <= n <= hi)
    if kind == "LessThan":
        return cmp(lambda n: n < nums[0])
    if kind == "GreaterThan":
        return cmp(lambda n: n > nums[0])
    if kind == "LessThanOrEqual":
        return cmp(lambda n: n <= nums[0])
    if kind == "GreaterThanOrEqual":
        return cmp(lambda n: n >= nums[0])
    if kind in ("IsBlank", "IsEmpty"):
        return lambda v: _number(v) is None
    if kind == "HasValue":
        return lambda v: _number(v) is not None
    raise FilterError(f"'{field}': unsupported numeric criteria type '{kind}'.")


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None


def _date_test(field: str, kind: str, values: list[Any], today: dt.date) -> Test:
    try:
        parsed = [parse_datetime(str(v)) for v in values]
    except ValueError as exc:
        raise FilterError(f"'{field}': {exc}") from None

    def on_days(test: Callable[[dt.date], bool]) -> Test:
        return lambda v: (w := _as_datetime(v)) is not None and test(w.date())

    if kind == "MatchAny":
        wanted = set(parsed)
        return lambda v: _as_datetime(v) in wanted
    if kind in ("IsBlank", "IsEmpty"):
        return lambda v: _as_datetime(v) is None
    if kind == "HasValue":
        return lambda v: _as_datetime(v) is not None
    if kind == "CustomRange":
        lo, hi = sorted(parsed)
        if all(len(str(v)) <= 10 for v in values):
            hi = hi + dt.timedelta(days=1, seconds=-1)
        return lambda v: (w := _as_datetime(v)) is not None and lo <= w <= hi
    if kind == "On":
        day = parsed[0].date()
        return on_days(lambda d: d == day)
    if kind == "After":
        day = parsed[0].date()
        return on_days(lambda d: d > day)
    if kind == "Before":
        day = parsed[0].date()
        return on_days(lambda d: d < day)
    window = date_window(kind, today)
    if window is not None:
        start, end = window
        return on_days(lambda d: start <= d <= end)
    raise FilterError(f"'{field}': unsupported date criteria type '{kind}'.")


def _bool_test(field: str, kind: str) -> Test:
    if kind == "IsTrue":
        return lambda v: v is True
    if kind == "IsFalse":
        return lambda v: v is False
    raise FilterError(f"'{field}': unsupported boolean criteria type '{kind}'.")


def _guid_test(field: str, kind: str, values: list[Any]) -> Test:
    if kind == "HasValue":
        return bool
    if kind == "MatchAny":
        try:
            wanted = {uuid.UUID(str(v)) for v in values}
        except ValueError as exc:
            raise FilterError(f"'{field}': {exc}") from None

        def test(v: Any) -> bool:
            try:
                return v is not None and uuid.UUID(str(v)) in wanted
            except ValueError:
                return False

        return test
    raise FilterError(f"'{field}': unsupported guid criteria type '{kind}'.")


def _enum_test(field: str, kind: str, values: list[Any]) -> Test:
    if kind != "MatchAny":
        raise FilterError(f"'{field}': unsupported enum criteria type '{kind}'.")
    wanted = {str(v).lower() for v in values}
    return lambda v: v is not None and str(v).lower() in wanted


class _Compiler:
    def __init__(self, index: SchemaIndex, today: dt.date, user_name: Callable[[Any], Any]) -> None:
        self.index = index
        self.today = today
        self.user_name = user_name

    def criteria(self, field: str, schema_name: str, body: Any, get: Getter) -> Node:
        if body is None:
            return EVERYTHING
        if not isinstance(body, Mapping):
            raise FilterError(f"'{field}': criteria must be an object.")
        props = self.index.properties(schema_name)
        type_schema = props.get("type")
        match_enum = ref_name(type_schema) if isinstance(type_schema, Mapping) else None
        if match_enum == "CollectionMatchType":
            return self.collection(field, schema_name, body, get)
        if match_enum is None:
            return self.entity(field, schema_name, body, get)
        kind = body.get("type")
        if kind is None:
            raise FilterError(f"'{field}': the criteria 'type' is required.")
        raw_values = body.get("values")
        values = list(raw_values) if isinstance(raw_values, list) else []
        _check_arity(field, str(kind), values)
        return Leaf(get, self._test(field, match_enum, str(kind), values))

    def _test(self, field: str, match_enum: str, kind: str, values: list[Any]) -> Test:
        family = match_enum.removesuffix("MatchType")
        if family == "String":
            return _string_test(field, kind, values)
        if family in ("Int", "Float", "Decimal", "Long", "Double"):
            return _numeric_test(field, kind, values)
        if family in ("DateTime", "DateOnly", "Date"):
            return _date_test(field, kind, values, self.today)
        if family == "Boolean":
            return _bool_test(field, kind)
        if family == "Guid":
            return _guid_test(field, kind, values)
        if family == "Enum":
            return _enum_test(field, kind, values)
        raise FilterError(f"'{field}': criteria kind {match_enum} is not supported.")

    def _sub(
        self, field: str, schema_name: str, body: Mapping[str, Any], base: Getter, skip: str | None
    ) -> list[Node]:
        props = self.index.properties(schema_name)
        parts: list[Node] = []
        for key, sub in body.items():
            if key == skip or sub is None:
                continue
            sub_schema = props.get(key)
            if sub_schema is None:
                continue
            sub_name = ref_name(sub_schema)
            if sub_name is None:
                continue
            attr = "name" if key == "displayName" else key
            parts.append(self.criteria(f"{field}.{key}", sub_name, sub, _sub_getter(base, attr)))
        return parts

    def entity(self, field: str, schema_name: str, body: Mapping[str, Any], get: Getter) -> Node:
        return _all(self._sub(field, schema_name, body, get, None))

    def collection(
        self, field: str, schema_name: str, body: Mapping[str, Any], get: Getter
    ) -> Node:
        kind = body.get("type") or "CollectionContainsAtLeastOneMatchingEntity"
        element_ok = _all(self._sub(field, schema_name, body, lambda e: e, "type"))

        def items(r: Record) -> list[Any]:
            v = get(r)
            return (
                [e if isinstance(e, Mapping) else {"iid": e} for e in v]
                if isinstance(v, list)
                else []
            )

        if kind == "CollectionContainsAtLeastOneMatchingEntity":
            return Scan(lambda r: any(element_ok(e) for e in items(r)))
        if kind == "CollectionContainsOnlyMatchingEntities":
            return Scan(lambda r: bool(es := items(r)) and all(element_ok(e) for e in es))
        if kind == "CollectionContainsAllMatchingEntities":
            props = self.index.properties(schema_name)
            wanted: list[Node] = []
            rest: list[Node] = []
            for key, sub in body.items():
                if key == "type" or not isinstance(sub, Mapping) or key not in props:
                    continue
                sub_name = ref_name(props[key]) or ""
                attr = "name" if key == "displayName" else key
                if sub.get("type") == "MatchAny":
                    for value in sub.get("values") or []:
                        one = {"type": "MatchAny", "values": [value]}
                        wanted.append(self.criteria(f"{field}.{key}", sub_name, one, Column(attr)))
                else:
                    rest.append(self.criteria(f"{field}.{key}", sub_name, sub, Column(attr)))

            def all_pred(r: Record) -> bool:
                es = items(r)
                if not es:
                    return False
                return all(any(w(e) for e in es) for w in wanted) and all(
                    p(e) for p in rest for e in es
                )

            return Scan(all_pred)
        raise FilterError(f"'{field}': unknown collection match type '{kind}'.")

    def udfs(self, field: str, schema_name: str, body: Any) -> Node:
        if body is None:
            return EVERYTHING
        if not isinstance(body, Mapping):
            raise FilterError(f"'{field}': must be an object.")
        props = self.index.properties(schema_name)
        parts: list[Node] = []
        for kind_key, items in body.items():
            if not items:
                continue
            item_schema = props.get(kind_key)
            if item_schema is None:
                continue
            item_name = ref_name(self.index.resolve(item_schema).get("items", {})) or ""
            item_props = self.index.properties(item_name)
            crit_key = "filter" if "filter" in item_props else "criteria"
            crit_name = ref_name(item_props.get(crit_key, {})) or ""
            for item in items if isinstance(items, list) else ():
                if not isinstance(item, Mapping):
                    continue
                udf_id = item.get("iid", item.get("id"))

                def getter(r: Record, k: str = kind_key, u: Any = udf_id) -> Any:
                    return _udf_value(r.get(field), k, u)

                parts.append(
                    self.criteria(
                        f"{field}.{kind_key}[{udf_id}]", crit_name, item.get(crit_key), getter
                    )
                )
        return _all(parts) if parts else EVERYTHING

    def filter(
        self, schema_name: str, body: Mapping[str, Any], record_props: Mapping[str, Any]
    ) -> Node:
        props = self.index.properties(schema_name)
        parts: list[Node] = []
        for key, value in body.items():
            if key in PAGING_KEYS or key in LOGIC_KEYS or value is None:
                continue
            sub_schema = props.get(key)
            if sub_schema is None:
                continue
            resolved = self.index.resolve(sub_schema)
            sub_name = ref_name(sub_schema)
            if key == "udfs" and sub_name:
                parts.append(self.udfs(key, sub_name, value))
            elif sub_name and key == "filter" and "properties" in resolved:
                if not isinstance(value, Mapping):
                    raise FilterError("'filter' must be an object.")
                parts.append(self.filter(sub_name, value, record_props))
            elif sub_name:
                parts.append(
                    self.criteria(
                        key, sub_name, value, field_getter(record_props, key, self.user_name)
                    )
                )
        nested = body.get("nestedFilters")
        for one in nested if isinstance(nested, list) else ():
            if isinstance(one, Mapping):
                parts.append(self.filter(schema_name, one, record_props))
        use_or = str(body.get("queryOperator") or "And").lower() == "or"
        combined = AnyOf(parts) if use_or and parts else _all(parts) if parts else EVERYTHING
        return Not(combined) if body.get("negateAll") else combined


def _udf_value(udfs: Any, kind_key: str, udf_id: Any) -> Any:
    if not isinstance(udfs, Mapping):
        return None
    bucket = udfs.get(kind_key)
    if bucket is None:
        for key, value in udfs.items():
            if key.lower().startswith(kind_key.lower()) or kind_key.lower().startswith(
                key.lower().removesuffix("fields")
            ):
                bucket = value
                break
    if not isinstance(bucket, list):
        return None
    for element in bucket:
        if not isinstance(element, Mapping):
            continue
        if udf_id in (element.get("udfIid"), element.get("iid"), element.get("udfId")):
            return element.get("value")
    return None


def compile_filter(
    index: SchemaIndex,
    schema_name: str,
    body: Mapping[str, Any],
    record_props: Mapping[str, Any],
    *,
    today: dt.date,
    user_name: Callable[[Any], Any] = lambda _: None,
) -> Node:
    """The compiled ``body`` (an instance of filter schema ``schema_name``): a predicate over
    records that :mod:`issuetrak_mock.index` can also answer from a store's indexes."""
    return _Compiler(index, today, user_name).filter(schema_name, body, record_props)
