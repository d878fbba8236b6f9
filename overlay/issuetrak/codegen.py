"""What regen reads from the runtime to write and describe the generated namespaces.

The namespace generator, the API reference's describer and the shape checks need the facade's
own tables (which tags have hand-written entity helpers, which keywords are call options) and a
view of the generated models (their fields, which are lists, which are required). This module
is their public home, so the tooling never imports a private ``issuetrak._*`` name; generated
code itself imports :mod:`issuetrak.facade`.

Not meant for application code.
"""

from __future__ import annotations

from ._catalog import OpSpec
from ._filter_rules import criteria_fields, field_model
from ._models import (
    field_classes,
    field_is_list,
    field_names,
    is_generated_class,
    required_fields,
    resolve_model,
)
from ._options import OPTION_NAMES
from ._resources import ENTITIES, Entity

__all__ = [
    "ENTITIES",
    "OPTION_NAMES",
    "Entity",
    "OpSpec",
    "criteria_fields",
    "field_classes",
    "field_is_list",
    "field_model",
    "field_names",
    "is_generated_class",
    "required_fields",
    "resolve_model",
]
