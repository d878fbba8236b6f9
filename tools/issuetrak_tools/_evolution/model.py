"""What a changelog is made of: :class:`Change` entries, grouped in a :class:`Changelog`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SURFACE", "WIRE", "Change", "Changelog"]

#: A change in what goes over HTTP (paths, parameters, bodies, schemas, security).
WIRE = "wire"
#: A change in what user code imports from the generated package (functions, models, fields).
SURFACE = "surface"


@dataclass(frozen=True)
class Change:
    """One difference between two documents, judged from a client's point of view.

    ``kind`` is a stable identifier (see :mod:`issuetrak_tools._evolution.rules`); ``location`` names
    the thing that changed (``GET /Causes query:PageSize``, ``Cause.name``,
    ``issuetrak_client.models.Cause.name``); ``detail`` is a short machine-friendly value
    (the enum value, ``string -> integer``); ``direction`` says whether the schema is sent
    (``request``), received (``response``) or both, where that decided the classification.
    """

    area: str
    kind: str
    location: str
    breaking: bool
    message: str
    detail: str = ""
    direction: str = ""
    #: for a change in a named schema: the operations that use it, directly or nested
    operations: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, str, str, bool]:
        """The identity of a change without its prose, for comparing changelogs."""
        return (self.area, self.kind, self.location, self.detail, self.breaking)

    def sort_key(self) -> tuple[bool, str, str, str, str]:
        return (not self.breaking, self.area, self.location, self.kind, self.detail)

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "kind": self.kind,
            "location": self.location,
            "breaking": self.breaking,
            "message": self.message,
            "detail": self.detail,
            "direction": self.direction,
            "operations": list(self.operations),
        }


@dataclass
class Changelog:
    """Every change from ``source`` to ``target``, breaking ones first."""

    source: str
    target: str
    changes: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = sorted(set(self.changes), key=Change.sort_key)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def non_breaking(self) -> list[Change]:
        return [c for c in self.changes if not c.breaking]

    @property
    def has_breaking(self) -> bool:
        return any(c.breaking for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "summary": {
                "breaking": len(self.breaking),
                "non_breaking": len(self.non_breaking),
                "wire": sum(c.area == WIRE for c in self.changes),
                "surface": sum(c.area == SURFACE for c in self.changes),
            },
            "changes": [c.to_json() for c in self.changes],
        }
