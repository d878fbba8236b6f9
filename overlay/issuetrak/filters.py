"""Search filters without hand-written JSON.

    from issuetrak.filters import where, match_any, contains, is_true, between, udf, entity

    users = client.users.search(
        where(first_name=match_any("Susan", "John"), is_active=is_true()),
        sort_field="LastName",
    )
    issues = client.issues.search(
        where(
            subject=contains("printer"),
            submitted_date=between(date(2024, 1, 1), date(2024, 3, 31)),
            assigned_to_user=entity(iid=match_any(7)),
            nested_filters=[where(is_open=is_true()), where(priority=entity(iid=match_any(1)))],
            query_operator="And",
        )
    )

A :class:`Where` is not tied to an entity until it is sent (or :meth:`Where.build` is called with
the entity's filter model): then every field is checked against that model, every match type
against the enum the pinned document gives for that criteria kind, and every value count against
the match type's arity. Mistakes raise :class:`~issuetrak._facade_errors.UsageError` subclasses
naming the field, before any request.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._facade_errors import ArityError, UnknownFieldError, UsageError
from ._filter_rules import CriteriaShape, arity, criteria_fields, describe_arity, field_model, shape
from ._models import (
    coerce_enum,
    field_classes,
    field_is_list,
    field_names,
    from_wire,
    resolve_model,
    to_wire,
    wire_name,
)

__all__ = [
    "Criterion",
    "Entity",
    "FilterValue",
    "Udf",
    "Where",
    "after",
    "all_entities",
    "any_entity",
    "at_least",
    "at_most",
    "before",
    "between",
    "contains",
    "ends_with",
    "entity",
    "greater_than",
    "has_value",
    "is_blank",
    "is_empty",
    "is_false",
    "is_true",
    "less_than",
    "match",
    "match_any",
    "on",
    "only_entities",
    "relative",
    "starts_with",
    "today",
    "udf",
    "where",
]

_COMBINING = ("nested_filters", "query_operator", "negate_all")
_BETWEEN = "<between>"  # RangeInclusive (numbers) or CustomRange (dates), whichever the kind has


@dataclass(frozen=True)
class Criterion:
    """A match type and its values, e.g. ``Criterion("Contains", ("printer",))``."""

    match_type: str
    values: tuple[Any, ...] = ()

    def __repr__(self) -> str:  # evaluates back to an equal criterion
        return f"match({', '.join(map(repr, (self.match_type, *self.values)))})"


@dataclass(frozen=True)
class Entity:
    """Criteria on a related entity (``assignedToUser``, ``organization``, ``assets``, ...)."""

    criteria: Mapping[str, Any]
    match_type: str | None = None  # collection match type for collections (assets, multi-select)

    def __repr__(self) -> str:
        name = _ENTITY_NAMES.get(self.match_type, "entity")
        return f"{name}({', '.join(f'{k}={v!r}' for k, v in self.criteria.items())})"


@dataclass(frozen=True)
class Udf:
    """A criterion on one user-defined field: ``udf("text", 4, contains("VIP"))``."""

    kind: str  # UDF filter field: text/list/date for users, text/large_text/.../multi_select for issues
    iid: int
    criterion: Criterion | Entity

    def __repr__(self) -> str:
        return f"udf({self.kind!r}, {self.iid!r}, {self.criterion!r})"


_ENTITY_NAMES: dict[str | None, str] = {
    None: "entity",
    "CollectionContainsAtLeastOneMatchingEntity": "any_entity",
    "CollectionContainsAllMatchingEntities": "all_entities",
    "CollectionContainsOnlyMatchingEntities": "only_entities",
}


# -- criterion constructors --------------------------------------------------------------------
def match(match_type: str, *values: Any) -> Criterion:
    """Any match type by its document name: ``match("GreaterThanOrEqual", 5)``."""
    return Criterion(match_type, tuple(values))


def match_any(*values: Any) -> Criterion:
    """Equal to any of the values (at least one): ``status=match_any("Open", "Pending")``."""
    return Criterion("MatchAny", tuple(values))


def contains(*values: Any) -> Criterion:
    """Contains: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("Contains", values)


def starts_with(*values: Any) -> Criterion:
    """StartsWith: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("StartsWith", values)


def ends_with(*values: Any) -> Criterion:
    """EndsWith: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("EndsWith", values)


def is_true() -> Criterion:
    """A yes/no field that is true: ``is_active=is_true()``."""
    return Criterion("IsTrue")


def is_false() -> Criterion:
    """A yes/no field that is false."""
    return Criterion("IsFalse")


def is_blank() -> Criterion:
    """No value (strings and numbers; dates use :func:`is_empty`)."""
    return Criterion("IsBlank")


def is_empty() -> Criterion:
    """No value (dates)."""
    return Criterion("IsEmpty")


def has_value() -> Criterion:
    """The field has any value (the opposite of :func:`is_blank`/:func:`is_empty`)."""
    return Criterion("HasValue")


def between(*values: Any) -> Criterion:
    """Inclusive range ``between(low, high)``: RangeInclusive for numbers, CustomRange for dates."""
    return Criterion(_BETWEEN, values)


def less_than(*values: Any) -> Criterion:
    """LessThan: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("LessThan", values)


def greater_than(*values: Any) -> Criterion:
    """GreaterThan: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("GreaterThan", values)


def at_most(*values: Any) -> Criterion:
    """LessThanOrEqual: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("LessThanOrEqual", values)


def at_least(*values: Any) -> Criterion:
    """GreaterThanOrEqual: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("GreaterThanOrEqual", values)


def on(*values: Any) -> Criterion:
    """On: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("On", values)


def after(*values: Any) -> Criterion:
    """After: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("After", values)


def before(*values: Any) -> Criterion:
    """Before: takes exactly one value (a wrong count is reported with the field name)."""
    return Criterion("Before", values)


def today() -> Criterion:
    """A date on the site's current day; see :func:`relative` for ``ThisWeek``, ``LastMonth``, ..."""
    return Criterion("Today")


def relative(period: str) -> Criterion:
    """A relative date range by its document name: ``relative("LastWeek")``, ``relative("ThisYear")``."""
    return Criterion(period)


def entity(**criteria: Any) -> Entity:
    """Criteria on a related entity: ``assigned_to_user=entity(iid=match_any(7))``."""
    return Entity(criteria)


def any_entity(**criteria: Any) -> Entity:
    """A collection (assets, multi-select UDF) with at least one matching entity."""
    return Entity(criteria, "CollectionContainsAtLeastOneMatchingEntity")


def all_entities(**criteria: Any) -> Entity:
    """A collection whose every entity matches: ``assets=all_entities(name=starts_with("PC-"))``."""
    return Entity(criteria, "CollectionContainsAllMatchingEntities")


def only_entities(**criteria: Any) -> Entity:
    """A collection with matching entities only (and at least one)."""
    return Entity(criteria, "CollectionContainsOnlyMatchingEntities")


def udf(kind: str, iid: int, criterion: Criterion | Entity) -> Udf:
    """A user-defined-field criterion; ``kind`` names the UDF filter's list (``"text"``, ``"list_fields"``, ...)."""
    return Udf(kind, iid, criterion)


# -- serialisation -----------------------------------------------------------------------------
def _value(shape_: CriteriaShape, value: Any, label: str) -> Any:
    kind = shape_.values_type
    bad = False
    if kind == "str":
        bad = not isinstance(value, str)
    elif kind == "int":
        bad = isinstance(value, bool) or not isinstance(value, int)
    elif kind == "float":
        bad = isinstance(value, bool) or not isinstance(value, int | float)
    elif kind == "datetime":
        if isinstance(value, str):
            try:
                value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                bad = True
        elif isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            value = _dt.datetime(value.year, value.month, value.day)
        else:
            bad = not isinstance(value, _dt.datetime)
    elif kind == "date":
        if isinstance(value, str):
            try:
                value = _dt.date.fromisoformat(value)
            except ValueError:
                bad = True
        else:
            bad = isinstance(value, _dt.datetime) or not isinstance(value, _dt.date)
    elif kind == "UUID":
        if isinstance(value, str):
            try:
                value = uuid.UUID(value)
            except ValueError:
                bad = True
        else:
            bad = not isinstance(value, uuid.UUID)
    else:
        enum_cls = shape_.values_enum()
        if enum_cls is not None:
            value = coerce_enum(enum_cls, value, label)
    if bad:
        expected = {
            "str": "a string",
            "int": "an int",
            "float": "a number",
            "datetime": "a datetime",
            "date": "a date (not a datetime)",
            "UUID": "a UUID",
        }[str(kind)]
        raise UsageError(f"{label}: expected {expected}, got {type(value).__name__} {value!r}")
    return to_wire(value)


def _leaf(crit: Criterion, shape_: CriteriaShape, label: str) -> dict[str, Any]:
    allowed = shape_.allowed
    match_type = crit.match_type
    if match_type == _BETWEEN:
        ranges = [m for m in allowed if arity(m) == (2, 2)]
        if not ranges:
            raise UsageError(
                f"{label}: {shape_.kind} criteria have no range match type; allowed: {', '.join(allowed)}"
            )
        match_type = ranges[0]
    if match_type not in allowed:
        raise UsageError(
            f"{label}: {match_type} is not a match type of {shape_.kind} criteria; allowed: {', '.join(allowed)}"
        )
    bounds = arity(match_type)
    low, high = bounds
    count = len(crit.values)
    if count < low or (high is not None and count > high):
        raise ArityError(label, match_type, describe_arity(bounds), count)
    wire: dict[str, Any] = {"type": match_type}
    if crit.values:
        if shape_.values_type is None:
            raise ArityError(label, match_type, "no values", count)
        wire["values"] = [_value(shape_, v, label) for v in crit.values]
    return wire


def _criteria(value: Any, cls: type, label: str) -> dict[str, Any]:
    """Serialise a Criterion/Entity/Where for a field whose model is ``cls``."""
    shape_ = shape(cls)
    if isinstance(value, Criterion):
        if not shape_.leaf:
            sub = ", ".join(f for f in field_names(cls) if f != "type_")
            raise UsageError(f"{label} is a related entity; use entity({sub}=...)")
        return _leaf(value, shape_, label)
    if isinstance(value, Entity):
        if shape_.leaf:
            raise UsageError(f"{label} takes a criterion such as match_any(...), not entity(...)")
        wire = _fields(value.criteria, cls, label, skip=("type_",))
        if value.match_type is not None:
            if shape_.match_enum is None:
                raise UsageError(f"{label} is not a collection; use entity(...)")
            if value.match_type not in shape_.allowed:
                raise UsageError(
                    f"{label}: {value.match_type} not allowed; allowed: {', '.join(shape_.allowed)}"
                )
            wire["type"] = value.match_type
        return wire
    if isinstance(value, Where):
        return value._wire(cls, label)
    if shape_.leaf:
        return _leaf(_plain(value, shape_, label), shape_, label)
    raise UsageError(
        f"{label}: expected a criterion such as match_any({value!r}), got "
        f"{type(value).__name__} {value!r}"
    )


def _plain(value: Any, shape_: CriteriaShape, label: str) -> Criterion:
    """A plain value as a criterion: ``first_name="Ada"`` is ``match_any("Ada")`` (a list: any of
    them), ``is_active=True`` is ``is_true()``, where the field's criteria take those."""
    allowed = shape_.allowed
    if isinstance(value, bool) and {"IsTrue", "IsFalse"} <= set(allowed):
        return is_true() if value else is_false()
    if "MatchAny" in allowed and not isinstance(value, Mapping):
        return match_any(*value) if isinstance(value, list | tuple | set) else match_any(value)
    raise UsageError(
        f"{label}: a plain value {value!r} would mean match_any(...), which {shape_.kind} "
        f"criteria do not take; pass a criterion of issuetrak.filters for one of: "
        f"{', '.join(allowed)}"
    )


def _fields(
    values: Mapping[str, Any], cls: type, where: str, skip: Iterable[str] = ()
) -> dict[str, Any]:
    valid = [n for n in criteria_fields(cls) if n not in set(skip)]
    wire: dict[str, Any] = {}
    for name, value in values.items():
        if name not in valid:
            hint = ""
            if name in _COMBINING:
                hint = (
                    "only filters with nested filters (issues) combine with |, & and ~; "
                    "put all criteria of this search in one where(...)"
                )
            raise UnknownFieldError(name, valid, where, hint)
        label = f"{where}.{name}"
        model = field_model(cls, name)
        if model is not None and field_is_list(cls, name):  # nested_filters=[where(...), ...]
            items = value if isinstance(value, list | tuple) else [value]
            wire[wire_name(cls, name)] = [
                _criteria(item, model, f"{label}[{i}]") for i, item in enumerate(items)
            ]
        elif model is not None:
            wire[wire_name(cls, name)] = _criteria(value, model, label)
        else:  # plain option: negate_all=True, query_operator="Or"
            enums = [c for c in field_classes(cls, name) if hasattr(c, "__members__")]
            if enums:
                value = coerce_enum(enums[0], value, label)
            elif "bool" in _type_tokens(cls, name) and not isinstance(value, bool):
                raise UsageError(f"{label}: expected True or False, got {value!r}")
            wire[wire_name(cls, name)] = to_wire(value)
    return wire


def _type_tokens(cls: type, name: str) -> tuple[str, ...]:
    from ._models import field_type_names

    return field_type_names(cls, name)


def _udfs(udfs: Iterable[Udf], cls: type, where: str) -> dict[str, Any]:
    if "udfs" not in field_names(cls):
        raise UsageError(f"{where} has no user-defined-field criteria")
    udf_cls = field_model(cls, "udfs")
    kinds = field_names(udf_cls)
    wire: dict[str, list[Any]] = {}
    for item in udfs:
        wanted = item.kind.lower()
        kind = next((k for k in kinds if k in (wanted, f"{wanted}_fields")), None)
        if kind is None:
            raise UnknownFieldError(item.kind, kinds, f"{where}.udfs")
        item_cls = field_model(udf_cls, kind)
        names = field_names(item_cls)
        id_field = "iid" if "iid" in names else "id"
        crit_field = next(n for n in names if n != id_field)
        if isinstance(item.iid, bool) or not isinstance(item.iid, int):
            raise UsageError(f"{where}.udfs.{kind}: UDF id must be an int, got {item.iid!r}")
        label = f"{where}.udfs.{kind}[{item.iid}]"
        crit = _criteria(item.criterion, field_model(item_cls, crit_field), label)
        wire.setdefault(wire_name(udf_cls, kind), []).append(
            {wire_name(item_cls, id_field): item.iid, wire_name(item_cls, crit_field): crit}
        )
    return wire


@dataclass(frozen=True)
class Where:
    """Criteria for one search, by snake_case field name; positional :class:`Udf` criteria."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    udfs: tuple[Udf, ...] = ()

    def __repr__(self) -> str:
        parts = [repr(u) for u in self.udfs] + [f"{k}={v!r}" for k, v in self.fields.items()]
        return f"where({', '.join(parts)})"

    def _wire(self, cls: type, where: str | None = None) -> dict[str, Any]:
        where = where or cls.__name__
        wire = _fields(self.fields, cls, where)
        if self.udfs:
            wire["udfs"] = _udfs(self.udfs, cls, where)
        return wire

    def to_dict(self, cls: type | str, **options: Any) -> dict[str, Any]:
        """The JSON body for filter model ``cls`` (e.g. ``UserFilter``, ``AdvancedIssueFilter``).

        Search bodies that wrap the criteria (``{"filter": {...}, "includeProperties": ...}``)
        get the criteria under ``filter``; ``options`` (sort_field, page_size, ...) go on the body.
        ``cls`` may also be the model's name: ``where(...).to_dict("UserFilter")``.
        """
        if isinstance(cls, str):
            cls = _model_named(cls)
        names = field_names(cls)
        inner = field_model(cls, "filter_") if "filter_" in names else None
        wire = {"filter": self._wire(inner)} if inner is not None else self._wire(cls)
        for name, value in options.items():
            if name not in names:
                raise UnknownFieldError(name, names, cls.__name__)
            enums = [c for c in field_classes(cls, name) if hasattr(c, "__members__")]
            if enums and value is not None:
                value = coerce_enum(enums[0], value, f"{cls.__name__}.{name}")
            wire[wire_name(cls, name)] = to_wire(value)
        return wire

    def build(self, cls: type | str, **options: Any) -> Any:
        """The generated filter model ``cls`` for this search (what the facade sends)."""
        if isinstance(cls, str):
            cls = _model_named(cls)
        return from_wire(cls, self.to_dict(cls, **options), cls.__name__)

    def __and__(self, other: Where) -> Where:
        """``a & b``: both must hold (issue filters: nested filters joined by And)."""
        return Where({"nested_filters": [self, other], "query_operator": "And"})

    def __or__(self, other: Where) -> Where:
        """``a | b``: either may hold (issue filters: nested filters joined by Or)."""
        return Where({"nested_filters": [self, other], "query_operator": "Or"})

    def __invert__(self) -> Where:
        """``~a``: negate every criterion of ``a`` (issue filters' ``negateAll``)."""
        return Where(
            {**self.fields, "negate_all": not self.fields.get("negate_all", False)}, self.udfs
        )


def _model_named(name: str) -> type:
    try:
        return resolve_model(name)
    except AttributeError as exc:  # the message names the closest model
        raise UsageError(str(exc)) from None


def where(*udfs: Udf, **criteria: Any) -> Where:
    """Build a filter: ``where(first_name=match_any("Susan", "John"), is_active=is_true())``."""
    for item in udfs:
        if not isinstance(item, Udf):
            raise UsageError(f"positional arguments of where() are udf(...) criteria, got {item!r}")
    return Where(dict(criteria), tuple(udfs))


FilterValue = Criterion | Entity | Where | Sequence[Where] | str | bool
"""What a search's criteria keyword takes: ``client.users.search(first_name=contains("a"))``
(a criterion, an entity's criteria, a nested filter or a list of them, a query operator, a
negation flag)."""
