"""The registry of check families: what a family is, and the decorator that registers one.

A *family* is one kind of invariant a correct Issuetrak site keeps (a missing iid is 404, pages add
up, a search's results satisfy its filter, ...). It says which operations it probes, in which tier
of the plan and at what priority, and how each of its steps is carried out. The plan is the loop
over the registered families (:func:`~issuetrak_tools._contract.plan.build_plan`); the engine
finds the handler of a step by its kind. A new family is one module in this package:

.. code-block:: python

    @family("identity", tier=Tier.READS, priority=10, checks=("get_matches_list",),
            invariant="get by iid answers the record the list showed")
    def identity(ctx: PlanContext) -> list[Step]:
        return [ctx.step(identity, "identity", ref.label, 1) for ref in ctx.gets()]

    @identity.handles("identity")
    def check_identity(engine: Engine, step: Step) -> list[FailureRecord]: ...
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.entities import Conventions, OperationRef

if TYPE_CHECKING:
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.tiers import Step, Tier

__all__ = ["Family", "PlanContext", "family", "handler_for", "markdown_table", "registered"]

Handler = Callable[[Any, "Step"], list[Any]]  # (engine, step) -> failure records
Planner = Callable[["PlanContext"], list["Step"]]


@dataclass
class Family:
    """One registered family of checks (see the module docstring)."""

    name: str
    tier: Tier
    priority: int  # order within the tier (lower first)
    checks: tuple[str, ...]  # the checks it reports under
    invariant: str  # the rule, as the docs table shows it
    modes: str  # the runs that can send it: "read", "writes" or "destructive"
    planner: Planner
    handlers: dict[str, Handler] = field(default_factory=dict)

    def plan(self, ctx: PlanContext) -> list[Step]:
        return self.planner(ctx)

    def handles(self, *kinds: str) -> Callable[[Handler], Handler]:
        """Register the decorated function as the handler of steps of ``kinds``."""

        def register(handler: Handler) -> Handler:
            for kind in kinds:
                if kind in _HANDLERS and _HANDLERS[kind][0] is not self:
                    raise ValueError(
                        f"step kind {kind!r} already belongs to {_HANDLERS[kind][0].name}"
                    )
                self.handlers[kind] = handler
                _HANDLERS[kind] = (self, handler)
            return handler

        return register


_FAMILIES: dict[str, Family] = {}
_HANDLERS: dict[str, tuple[Family, Handler]] = {}


def family(
    name: str,
    *,
    tier: Tier,
    priority: int,
    checks: Sequence[str],
    invariant: str,
    modes: str = "read",
) -> Callable[[Planner], Family]:
    """Register the decorated planner as the family ``name``."""

    def register(planner: Planner) -> Family:
        if name in _FAMILIES:
            raise ValueError(f"check family {name!r} is registered twice")
        created = Family(name, tier, priority, tuple(checks), invariant, modes, planner)
        _FAMILIES[name] = created
        return created

    return register


def registered() -> list[Family]:
    """Every registered family, in plan order (tier, then priority).

    The built-in families register when their package is imported: callers reach this function
    through :mod:`issuetrak_tools._contract.families`, never through this module alone.
    """
    return sorted(_FAMILIES.values(), key=lambda f: (f.tier, f.priority, f.name))


def handler_for(kind: str) -> tuple[Family, Handler]:
    """The family and handler of a step kind.

    A kind may carry its argument after its first word (``patch Replace /Subject``, where the
    arguments come from the document): a handler registered for the first word handles it.
    """
    found = _HANDLERS.get(kind) or _HANDLERS.get(kind.split(" ", 1)[0])
    if found is None:
        raise KeyError(f"no registered check family handles steps of kind {kind!r}")
    return found


def markdown_table() -> str:
    """The docs' table of check families, generated from the registry (docs/contract.md)."""
    modes = {"read": "every run", "writes": "--allow-writes", "destructive": "--allow-destructive"}
    lines = [
        "| family | tier | priority | runs in | checks | invariant |",
        "|---|---|---|---|---|---|",
    ]
    for found in registered():
        checks = ", ".join(f"`{name}`" for name in found.checks)
        lines.append(
            f"| `{found.name}` | {found.tier.value}. {found.tier.title} | {found.priority} | "
            f"{modes[found.modes]} | {checks} | {found.invariant} |"
        )
    return "\n".join(lines)


@dataclass
class PlanContext:
    """What every family's planner sees: the operations the run may send, and the run's options."""

    document: Mapping[str, Any]
    conventions: Conventions
    chosen: list[OperationRef]  # selected and allowed, in positive order
    policy: WritePolicy
    live: bool
    seed: int = 0
    depth_rounds: int = 2
    auth_sample: int | None = None
    restricted: bool = False  # the run has a second token, of a user with fewer permissions
    notes: list[str] = field(default_factory=list)

    @cached_property
    def rng(self) -> random.Random:
        return random.Random(self.seed)

    @cached_property
    def order(self) -> dict[str, int]:
        return {label: index for index, label in enumerate(self.conventions.operations)}

    @cached_property
    def labels(self) -> set[str]:
        return {ref.label for ref in self.chosen}

    def spec(self, ref: OperationRef) -> Mapping[str, Any]:
        spec: Mapping[str, Any] = self.document["paths"][ref.path][ref.method.lower()]
        return spec

    def secured(self, ref: OperationRef) -> bool:
        security = self.spec(ref).get("security", self.document.get("security", []))
        return any(isinstance(s, Mapping) and s for s in security or [])

    @cached_property
    def paged(self) -> list[str]:
        """The selected operations that page (``PageNumber``/``pageNumber``), in document order."""
        from issuetrak_tools._contract.paging import paged_operations

        return [op.label for op in paged_operations(self.document) if op.label in self.labels]

    def searches(self) -> list[tuple[OperationRef, SearchShape]]:
        """The selected paged ``POST .../Search`` operations without path parameters, with the
        shape of their bodies, in document order."""
        from issuetrak_tools._contract.semantics import search_shape

        found = []
        for label in self.paged:
            ref = self.conventions.operations[label]
            if ref.kind == "search" and ref.method == "POST" and not ref.params:
                found.append((ref, search_shape(self.document, self.spec(ref))))
        return found

    def step(self, owner: Family, kind: str, operation: str, estimate: int, **extra: Any) -> Step:
        """A step of ``owner`` (in its tier unless ``tier=`` says otherwise)."""
        from issuetrak_tools._contract.tiers import Step

        extra.setdefault("tier", owner.tier)
        return Step(kind=kind, operation=operation, estimate=estimate, family=owner.name, **extra)
