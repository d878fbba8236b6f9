"""Introspection of the generated attrs models, shared by filters, merge-updates and the facade.

The generated package is the source of truth for field names, enums and nesting: nothing here
hard-codes an entity. Model modules are imported one by one, on demand, so a facade call pays only
for the models it touches (``issuetrak_client.models`` itself imports all of them).
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import importlib
import inspect
import re
import sys
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = [
    "check_field_value",
    "coerce_enum",
    "field_names",
    "field_type_names",
    "from_wire",
    "is_generated_class",
    "is_model",
    "package_of",
    "required_fields",
    "resolve_model",
    "snake",
    "strip_extras",
    "to_wire",
    "wire_key",
    "wire_name",
    "wire_names",
]

_INDEX = "issuetrak_client."
_EXTRA = "additional_properties"
# Names that appear in generated annotations but are not models.
_NOT_MODELS = frozenset(
    {
        "None",
        "Unset",
        "Any",
        "list",
        "dict",
        "str",
        "int",
        "float",
        "bool",
        "UUID",
        "datetime",
        "date",
        "File",
    }
)


def snake(name: str) -> str:
    """``UserDefinedFilterOfStringCriteriaDTO`` -> ``user_defined_filter_of_string_criteria_dto``."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)
    return "_".join(w.lower() for w in words)


def wire_key(field: str) -> str:
    """lowerCamelCase of a snake_case name: the usual JSON name (``first_name`` -> ``firstName``).

    Only a fallback: :func:`wire_name` reads the real names from the model (``cancel_on_na`` is
    ``cancelOnNA``, not ``cancelOnNa``).
    """
    head, *rest = field.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


@functools.cache
def wire_names(cls: type) -> dict[str, str]:
    """attribute -> JSON property for a generated model.

    The names are the keys the model's ``from_dict`` pops (its source is generated, one
    ``d.pop("<property>")`` per property), matched to attributes ignoring case and underscores.
    A test checks the mapping against every property of every schema in the pinned document.
    """
    try:
        source = inspect.getsource(cls.from_dict)  # type: ignore[attr-defined]
    except (OSError, TypeError, AttributeError):
        source = ""
    keys = re.findall(r"""d\.pop\(\s*["']([^"']+)["']""", source)
    by_squash = {_squash(k): k for k in keys}
    return {f: by_squash.get(_squash(f), wire_key(f)) for f in field_names(cls)}


def wire_name(cls: type, field: str) -> str:
    """The JSON property of ``cls.field``."""
    return wire_names(cls).get(field) or wire_key(field)


def is_model(obj: object) -> bool:
    """True for instances of generated attrs models (they all have ``to_dict``)."""
    return hasattr(type(obj), "__attrs_attrs__") and hasattr(obj, "to_dict")


@functools.cache
def field_names(cls: type) -> tuple[str, ...]:
    """The settable attribute names of a generated model, in declaration order."""
    import attrs  # here, not at module level: ``import issuetrak`` stays light

    # not additional_properties, nor the templates' private slots (``_trace_id``)
    return tuple(f.name for f in attrs.fields(cls) if f.name != _EXTRA and f.name[0] != "_")


@functools.cache
def required_fields(cls: type) -> tuple[str, ...]:
    """Attributes without a default: the schema's required properties."""
    import attrs

    return tuple(
        f.name
        for f in attrs.fields(cls)
        if f.name != _EXTRA and f.name[0] != "_" and f.default is attrs.NOTHING
    )


@functools.cache
def field_type_names(cls: type, field: str) -> tuple[str, ...]:
    """Names in the (string) annotation of ``cls.field``, e.g. ``('list', 'IssueFilter', 'Unset')``."""
    import attrs

    for f in attrs.fields(cls):
        if f.name == field:
            annotation = f.type if isinstance(f.type, str) else repr(f.type)
            return tuple(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation))
    raise KeyError(field)


def is_generated_class(obj: object) -> bool:
    """A model or enum class of a generated ``issuetrak_client.<label>.models`` package."""
    return isinstance(obj, type) and package_of(obj) is not None


def package_of(cls: type) -> str | None:
    """``issuetrak_client.cloud_2026_07`` for a class defined under its ``models`` package."""
    module = getattr(cls, "__module__", "")
    head, sep, _ = module.partition(".models.")
    if not sep:
        return None
    # a label's package, or a standalone one (``regen --output``): stamped with its pin
    stamped = hasattr(sys.modules.get(head), "SPEC_SHA256")
    return head if head.startswith(_INDEX) or stamped else None


def resolve_model(name: str, package: str | None = None) -> type:
    """Import one generated model or enum class by name, without importing the whole package.

    ``package`` is the generated package to look in (default: the default label's). Its
    ``models`` package is lazy (the regen template ``models_init.py.jinja``): asking it for a
    name imports only the module that defines it.
    """
    if package is None:
        from ._versions import default_version

        package = default_version().package
    return _resolve_model(name, package)


@functools.cache
def _resolve_model(name: str, package: str) -> type:
    models = importlib.import_module(f"{package}.models")
    found: object = getattr(models, name, None)
    if found is None:
        import difflib

        close = difflib.get_close_matches(name, models.__all__, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise AttributeError(f"{package} has no model {name!r}{hint}")
    if not isinstance(found, type):
        raise TypeError(f"{name} is not a class in {package}.models")
    return found


def field_classes(cls: type, field: str) -> list[type]:
    """Generated classes (models or enums) named in the annotation of ``cls.field``, from the
    package that defines ``cls``."""
    package = package_of(cls)
    return [resolve_model(n, package) for n in field_type_names(cls, field) if n not in _NOT_MODELS]


def field_is_list(cls: type, field: str) -> bool:
    return "list" in field_type_names(cls, field)


_SCALAR_CHECKS: dict[str, tuple[str, Any]] = {
    "str": ("a string", lambda v: isinstance(v, str)),
    "int": ("an int", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    "bool": ("True or False", lambda v: isinstance(v, bool)),
    "datetime": ("a datetime or ISO date-time string", lambda v: _is_iso(v, _dt.datetime)),
    "date": ("a date or ISO date string", lambda v: _is_iso(v, _dt.date)),
    "UUID": ("a UUID", lambda v: _is_uuid(v)),
    "list": ("a list", lambda v: isinstance(v, list | tuple)),
    "File": ("a file", lambda v: True),
}


def _is_iso(value: Any, kind: type) -> bool:
    if isinstance(value, _dt.date):
        return kind is _dt.datetime or not isinstance(value, _dt.datetime)
    if not isinstance(value, str):
        return False
    try:
        (_dt.datetime if kind is _dt.datetime else _dt.date).fromisoformat(
            value.replace("Z", "+00:00")
        )
    except ValueError:
        return False
    return True


def _is_uuid(value: Any) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def check_field_value(cls: type, field: str, value: Any, where: str) -> None:
    """Refuse a value whose Python type the field's annotation cannot hold (before sending).

    Scalars are checked here; enums, nested models and ``Any`` are left to the model's own
    ``from_dict``, which names the enum's values.
    """
    tokens = [t for t in field_type_names(cls, field) if t != "Unset"]
    if value is None:
        if "None" in tokens:
            return
        raise _usage(f"{where}: {field} cannot be None")
    if "list" in tokens:  # list[X]: the items are from_dict's to judge
        tokens = ["list"]
        if isinstance(value, list | tuple):
            for item in value:
                _check_nested(cls, field, item, where)
    if not tokens or any(t not in _SCALAR_CHECKS and t != "None" for t in tokens):
        _check_nested(cls, field, value, where)  # an enum or a model: checked strictly
        return
    if any(_SCALAR_CHECKS[t][1](value) for t in tokens if t in _SCALAR_CHECKS):
        return
    wanted = " or ".join(_SCALAR_CHECKS[t][0] for t in tokens if t in _SCALAR_CHECKS)
    raise _usage(f"{where}: {field} must be {wanted}, got {type(value).__name__} {value!r}")


def _check_nested(cls: type, field: str, value: Any, where: str) -> None:
    """An enum value or nested record the caller gives is checked strictly, as it will be sent
    (the model may be read leniently later, under a reply's read policy)."""
    if is_model(value):
        return
    for kind in field_classes(cls, field):
        if hasattr(kind, "__members__"):
            if isinstance(value, kind):
                return
            try:
                kind(value)  # no read policy is in force here: strict
            except ValueError:
                members = ", ".join(m.value for m in kind.__members__.values())
                raise _usage(f"{where}: {field}: {value!r} is not one of {members}") from None
            return
        if isinstance(value, Mapping) and hasattr(kind, "from_dict"):
            from_wire(kind, to_wire(value), f"{where}: {field}")
            return


def _usage(message: str) -> Exception:
    from ._facade_errors import UsageError

    return UsageError(message)


def coerce_enum(enum_cls: type, value: Any, where: str) -> Any:
    """``"last_name"`` or ``"LastName"`` -> ``UserSortOptions.LASTNAME``: the wire value, any
    case, or its snake_case spelling (like every other keyword); a clear error lists the values."""
    if isinstance(value, enum_cls):
        return value
    members = [m.value for m in enum_cls.__members__.values()]  # type: ignore[attr-defined]
    for member in enum_cls.__members__.values():  # type: ignore[attr-defined]
        if member.value == value or (
            isinstance(value, str) and member.value.lower() == value.lower()
        ):
            return member
    if isinstance(value, str) and "_" in value:
        # snake_case: last_name -> LastName; only when exactly one value is spelled so
        squashed = value.replace("_", "").lower()
        found = [m for m in enum_cls.__members__.values() if str(m.value).lower() == squashed]  # type: ignore[attr-defined]
        if len(found) == 1:
            return found[0]
    raise _usage(f"{where}: {value!r} is not one of {', '.join(members)}")


def from_wire(cls: type, wire: Mapping[str, Any], where: str) -> Any:
    """``cls.from_dict(wire)`` for a value the caller gave; every problem is a ``UsageError``."""
    from ._facade_errors import UnknownFieldError

    try:
        model = cls.from_dict(wire)  # type: ignore[attr-defined]
    except KeyError as exc:
        missing = [n for n in required_fields(cls) if wire_name(cls, n) not in wire]
        if not missing:
            key = str(exc.args[0]) if exc.args else "?"
            names = {wire_name(cls, n): n for n in field_names(cls)}
            missing = [names.get(key, key)]
        label = "field" if len(missing) == 1 else "fields"
        raise _usage(f"{where}: missing required {label} {', '.join(map(repr, missing))}") from exc
    except (TypeError, ValueError) as exc:
        raise _usage(f"{where}: {exc}") from exc
    extras = getattr(model, "additional_properties", {})
    if extras:
        raise UnknownFieldError(next(iter(extras)), field_names(cls), where)
    return model


def to_wire(value: Any) -> Any:
    """Turn Python and model values into the JSON the document describes.

    Aware date-times are sent in UTC with a ``Z``; naive ones are sent as written, which the site
    reads in its own time zone (that is how Issuetrak writes date-times itself).
    """
    if isinstance(value, enum.Enum):
        return value.value
    if is_model(value):
        return value.to_dict()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(_dt.UTC).isoformat().replace("+00:00", "Z")
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    return value


def strip_extras(obj: Any) -> Any:
    """Drop properties a model did not declare (``additional_properties``), recursively.

    ``UpdateX.from_dict(read_record)`` parks the read-only fields of the record there; they must
    not be sent back.
    """
    if is_model(obj):
        extras = getattr(obj, _EXTRA, None)
        if isinstance(extras, dict):
            extras.clear()
        model_cls: Any = type(obj)
        for name in field_names(model_cls):
            strip_extras(getattr(obj, name))
    elif isinstance(obj, list):
        for item in obj:
            strip_extras(item)
    return obj
