"""What a search criterion may contain, read from the generated package.

* The criteria kinds and their allowed match types are the generated enums (``StringMatchType``,
  ``IntMatchType``, ... ``CollectionMatchType``) referenced by each criteria model's ``type``
  field: whatever the pinned document lists, nothing copied here.
* How many values each match type takes is the one piece of knowledge the enums do not carry (the
  document states it in prose, in each enum's description table). It is kept in :data:`issuetrak.conventions.ARITY`
  by match-type name; a test reads the document's tables and checks this mapping against them, so
  a re-pinned document that changes an arity fails the build instead of the request.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ._models import field_classes, field_names, field_type_names
from .conventions.match_types import ARITY, arity, describe_arity

__all__ = ["ARITY", "CriteriaShape", "arity", "describe_arity", "shape"]


@dataclass(frozen=True)
class CriteriaShape:
    """How one criteria model is built.

    ``leaf``: ``{type, values?}`` (String/Int/.../Enum criteria). Otherwise the criteria model
    nests other criteria (entity criteria such as ``assignedToUser``), optionally with a
    collection ``type`` (assets, multi-select UDFs).
    """

    cls: type
    match_enum: type | None
    values_type: (
        str | None
    )  # "str", "int", "float", "datetime", "date", "UUID", or an enum class name
    leaf: bool

    @property
    def kind(self) -> str:
        return self.match_enum.__name__.removesuffix("MatchType") if self.match_enum else "Entity"

    @property
    def allowed(self) -> tuple[str, ...]:
        if self.match_enum is None:
            return ()
        return tuple(m.value for m in self.match_enum)  # type: ignore[attr-defined]

    def values_enum(self) -> type | None:
        if self.values_type is None or self.values_type in _SCALARS:
            return None
        from ._models import package_of, resolve_model

        return resolve_model(self.values_type, package_of(self.cls))


_SCALARS = {"str", "int", "float", "datetime", "date", "UUID", "bool"}


def _is_criteria_model(cls: type) -> bool:
    return hasattr(cls, "from_dict") and "type_" in field_names(cls)


@functools.cache
def shape(cls: type) -> CriteriaShape:
    """Describe a criteria model class."""
    names = field_names(cls)
    match_enum = None
    if "type_" in names:
        enums = [c for c in field_classes(cls, "type_") if hasattr(c, "__members__")]
        match_enum = enums[0] if enums else None
    values_type: str | None = None
    if "values" in names:
        tokens = [
            t
            for t in field_type_names(cls, "values")
            if t not in ("list", "None", "Unset", "datetime")
        ]
        raw = field_type_names(cls, "values")
        if "datetime" in raw and "date" in raw:
            values_type = "date"  # datetime.date
        elif "datetime" in raw:
            values_type = "datetime"  # datetime.datetime
        else:
            values_type = tokens[0] if tokens else None
    leaf = set(names) <= {"type_", "values"}
    return CriteriaShape(cls=cls, match_enum=match_enum, values_type=values_type, leaf=leaf)


def criteria_fields(cls: type) -> tuple[str, ...]:
    """Fields of a filter model that take criteria (everything except paging and sorting)."""
    skip = {"sort_field", "sort_direction", "page_number", "page_size"}
    return tuple(n for n in field_names(cls) if n not in skip)


def field_model(cls: type, field: str) -> Any:
    """The generated model class a filter field holds (criteria, nested filter or UDF filter)."""
    models = [c for c in field_classes(cls, field) if hasattr(c, "from_dict")]
    return models[0] if models else None
