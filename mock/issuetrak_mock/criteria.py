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
from collections.abc import Callable, Mapping
from typing import Any

from issuetrak._filter_rules import arity, describe_arity

from .schemas import SchemaIndex, parse_datetime, ref_name

__all__ = ["FilterError", "Predicate", "compile_filter", "date_window", "field_getter"]

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]
Getter = Callable[[Record], Any]

PAGING_KEYS = frozenset(
    {"sortField", "sortDirection", "pageNumber", "pageSize", "includeProperties"}
)
LOGIC_KEYS = frozenset({"negateAll", "queryOperator", "nestedFilters"})


class FilterError(ValueError):
    """A well-formed filter that cannot be applied (wrong number of values, unknown UDF...)."""


def _true(_: Record) -> bool:
    return True


def _all(preds: list[Predicate]) -> Predicate:
    """AND of predicates without generator overhead for the common short cases."""
    if not preds:
        return _true
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda r: a(r) and b(r)
    if len(preds) == 3:
        a, b, c = preds
        return lambda r: a(r) and b(r) and c(r)
    return lambda r: all(p(r) for p in preds)


def _any(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda r: a(r) or b(r)
    return lambda r: any(p(r) for p in preds)


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
        return _key_getter(found)
    if field + "UserIid" in record_props:
        key = field + "UserIid"
        return lambda r: user_name(r.get(key))
    return lambda r: r.get(field)


def _key_getter(key: str) -> Getter:
    def get(r: Record) -> Any:
        return r.get(key)

    get.field_key = key  # type: ignore[attr-defined]  # lets entity criteria read sub-fields directly
    return get


def _sub_getter(base: Getter, attr: str, field_key: str | None) -> Getter:
    if field_key is not None:
        # a plain record field: read the sub-field in one step
        def direct(r: Record) -> Any:
            v = r.get(field_key)
            return v.get(attr) if v.__class__ is dict else None

        return direct

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
    # the client's table (issuetrak._filter_rules.ARITY), so the mock refuses what the SDK refuses
    low, high = arity(kind)
    if len(values) < low or (high is not None and len(values) > high):
        raise FilterError(
            f"'{field}': criteria type '{kind}' takes {describe_arity((low, high))}, "
            f"got {len(values)}."
        )


def _string_pred(field: str, kind: str, values: list[Any], get: Getter) -> Predicate:
    low = [str(v).casefold() for v in values]

    def text(r: Record) -> str | None:
        v = get(r)
        return None if v is None else str(v).casefold()

    if kind == "MatchAny":
        wanted = set(low)
        return lambda r: text(r) in wanted
    if kind == "Contains":
        return lambda r: (t := text(r)) is not None and low[0] in t
    if kind == "StartsWith":
        return lambda r: (t := text(r)) is not None and t.startswith(low[0])
    if kind == "EndsWith":
        return lambda r: (t := text(r)) is not None and t.endswith(low[0])
    if kind in ("IsBlank", "IsEmpty"):
        return lambda r: not text(r)
    if kind == "HasValue":
        return lambda r: bool(text(r))
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


def _numeric_pred(field: str, kind: str, values: list[Any], get: Getter) -> Predicate:
    nums = [float(v) for v in values]

    def num(r: Record) -> float | None:
        return _number(get(r))

    def cmp(test: Callable[[float], bool]) -> Predicate:
        return lambda r: (n := num(r)) is not None and test(n)

    if kind == "MatchAny":
        wanted = set(nums)

        def match_any(r: Record) -> bool:
            v = get(r)
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
        return lambda r: num(r) is None
    if kind == "HasValue":
        return lambda r: num(r) is not None
    raise FilterError(f"'{field}': unsupported numeric criteria type '{kind}'.")


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None


def _date_pred(field: str, kind: str, values: list[Any], get: Getter, today: dt.date) -> Predicate:
    try:
        parsed = [parse_datetime(str(v)) for v in values]
    except ValueError as exc:
        raise FilterError(f"'{field}': {exc}") from None

    def when(r: Record) -> dt.datetime | None:
        return _as_datetime(get(r))

    def on_days(test: Callable[[dt.date], bool]) -> Predicate:
        return lambda r: (w := when(r)) is not None and test(w.date())

    if kind == "MatchAny":
        wanted = set(parsed)
        return lambda r: when(r) in wanted
    if kind in ("IsBlank", "IsEmpty"):
        return lambda r: when(r) is None
    if kind == "HasValue":
        return lambda r: when(r) is not None
    if kind == "CustomRange":
        lo, hi = sorted(parsed)
        if all(len(str(v)) <= 10 for v in values):
            hi = hi + dt.timedelta(days=1, seconds=-1)
        return lambda r: (w := when(r)) is not None and lo <= w <= hi
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


def _bool_pred(field: str, kind: str, get: Getter) -> Predicate:
    if kind == "IsTrue":
        return lambda r: get(r) is True
    if kind == "IsFalse":
        return lambda r: get(r) is False
    raise FilterError(f"'{field}': unsupported boolean criteria type '{kind}'.")


def _guid_pred(field: str, kind: str, values: list[Any], get: Getter) -> Predicate:
    if kind == "HasValue":
        return lambda r: bool(get(r))
    if kind == "MatchAny":
        try:
            wanted = {uuid.UUID(str(v)) for v in values}
        except ValueError as exc:
            raise FilterError(f"'{field}': {exc}") from None

        def test(r: Record) -> bool:
            v = get(r)
            try:
                return v is not None and uuid.UUID(str(v)) in wanted
            except ValueError:
                return False

        return test
    raise FilterError(f"'{field}': unsupported guid criteria type '{kind}'.")


def _enum_pred(field: str, kind: str, values: list[Any], get: Getter) -> Predicate:
    if kind != "MatchAny":
        raise FilterError(f"'{field}': unsupported enum criteria type '{kind}'.")
    wanted = {str(v).lower() for v in values}
    return lambda r: (v := get(r)) is not None and str(v).lower() in wanted


class _Compiler:
    def __init__(self, index: SchemaIndex, today: dt.date, user_name: Callable[[Any], Any]) -> None:
        self.index = index
        self.today = today
        self.user_name = user_name

    def criteria(self, field: str, schema_name: str, body: Any, get: Getter) -> Predicate:
        if body is None:
            return _true
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
        values = list(body.get("values") or [])
        _check_arity(field, str(kind), values)
        family = match_enum.removesuffix("MatchType")
        if family == "String":
            return _string_pred(field, kind, values, get)
        if family in ("Int", "Float", "Decimal", "Long", "Double"):
            return _numeric_pred(field, kind, values, get)
        if family in ("DateTime", "DateOnly", "Date"):
            return _date_pred(field, kind, values, get, self.today)
        if family == "Boolean":
            return _bool_pred(field, kind, get)
        if family == "Guid":
            return _guid_pred(field, kind, values, get)
        if family == "Enum":
            return _enum_pred(field, kind, values, get)
        raise FilterError(f"'{field}': criteria kind {match_enum} is not supported.")

    def _sub(
        self, field: str, schema_name: str, body: Mapping[str, Any], base: Getter, skip: str | None
    ) -> list[Predicate]:
        props = self.index.properties(schema_name)
        preds: list[Predicate] = []
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

            field_key = getattr(base, "field_key", None)
            getter = _sub_getter(base, attr, field_key)

            preds.append(self.criteria(f"{field}.{key}", sub_name, sub, getter))
        return preds

    def entity(
        self, field: str, schema_name: str, body: Mapping[str, Any], get: Getter
    ) -> Predicate:
        return _all(self._sub(field, schema_name, body, get, None))

    def collection(
        self, field: str, schema_name: str, body: Mapping[str, Any], get: Getter
    ) -> Predicate:
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
            return lambda r: any(element_ok(e) for e in items(r))
        if kind == "CollectionContainsOnlyMatchingEntities":
            return lambda r: bool(es := items(r)) and all(element_ok(e) for e in es)
        if kind == "CollectionContainsAllMatchingEntities":
            props = self.index.properties(schema_name)
            wanted: list[Predicate] = []
            rest: list[Predicate] = []
            for key, sub in body.items():
                if key == "type" or not isinstance(sub, Mapping) or key not in props:
                    continue
                sub_name = ref_name(props[key]) or ""
                attr = "name" if key == "displayName" else key
                if sub.get("type") == "MatchAny":
                    for value in sub.get("values") or []:
                        one = {"type": "MatchAny", "values": [value]}
                        wanted.append(
                            self.criteria(f"{field}.{key}", sub_name, one, _key_getter(attr))
                        )
                else:
                    rest.append(self.criteria(f"{field}.{key}", sub_name, sub, _key_getter(attr)))

            def all_pred(r: Record) -> bool:
                es = items(r)
                if not es:
                    return False
                return all(any(w(e) for e in es) for w in wanted) and all(
                    p(e) for p in rest for e in es
                )

            return all_pred
        raise FilterError(f"'{field}': unknown collection match type '{kind}'.")

    def udfs(self, field: str, schema_name: str, body: Any) -> Predicate:
        if body is None:
            return _true
        props = self.index.properties(schema_name)
        preds: list[Predicate] = []
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
            for item in items:
                udf_id = item.get("iid", item.get("id"))

                def getter(r: Record, k: str = kind_key, u: Any = udf_id) -> Any:
                    return _udf_value(r.get(field), k, u)

                preds.append(
                    self.criteria(
                        f"{field}.{kind_key}[{udf_id}]", crit_name, item.get(crit_key), getter
                    )
                )
        return _all(preds)

    def filter(
        self, schema_name: str, body: Mapping[str, Any], record_props: Mapping[str, Any]
    ) -> Predicate:
        props = self.index.properties(schema_name)
        preds: list[Predicate] = []
        for key, value in body.items():
            if key in PAGING_KEYS or key in LOGIC_KEYS or value is None:
                continue
            sub_schema = props.get(key)
            if sub_schema is None:
                continue
            resolved = self.index.resolve(sub_schema)
            sub_name = ref_name(sub_schema)
            if key == "udfs" and sub_name:
                preds.append(self.udfs(key, sub_name, value))
            elif sub_name and key == "filter" and "properties" in resolved:
                preds.append(self.filter(sub_name, value, record_props))
            elif sub_name:
                preds.append(
                    self.criteria(
                        key, sub_name, value, field_getter(record_props, key, self.user_name)
                    )
                )
        for nested in body.get("nestedFilters") or []:
            preds.append(self.filter(schema_name, nested, record_props))
        use_or = str(body.get("queryOperator") or "And").lower() == "or"
        negate = bool(body.get("negateAll"))
        combined = _any(preds) if use_or and preds else _all(preds)
        if negate:
            return lambda r: not combined(r)
        return combined


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
) -> Predicate:
    """A predicate for ``body`` (an instance of filter schema ``schema_name``) over records."""
    return _Compiler(index, today, user_name).filter(schema_name, body, record_props)
