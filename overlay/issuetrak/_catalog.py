"""What the generated namespaces know of each operation: one :class:`OpSpec` per operation.

``issuetrak regen`` writes one module per document tag into the label's package
(``issuetrak_client.<label>.namespaces.<tag>``); each declares an ``OpSpec`` per operation, read
from the generated operation module's signature at regen time, and its methods hand that
``OpSpec`` to the invocation core (:mod:`issuetrak._calls`). Nothing is discovered at run time.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

from ._models import field_names

__all__ = ["OpSpec"]


@dataclass(frozen=True)
class OpSpec:
    """One generated operation and what its signature says about it."""

    tag: str
    name: str
    package: str
    module: types.ModuleType
    path_params: tuple[str, ...]
    query_params: dict[str, tuple[type, ...]]
    body_cls: type | None
    body_is_list: bool
    body_required: bool
    success: tuple[type, ...]
    declares_api_response: bool

    @property
    def qualname(self) -> str:
        return f"{self.tag}.{self.name}"

    @property
    def paged_by_query(self) -> bool:
        return "page_number" in self.query_params

    @property
    def paged_by_body(self) -> bool:
        return (
            self.body_cls is not None
            and not self.body_is_list
            and "page_number" in field_names(self.body_cls)
        )

    def enum_for(self, param: str) -> type | None:
        for cls in self.query_params.get(param, ()):
            if issubclass(cls, str) and hasattr(cls, "__members__"):
                return cls
        return None
