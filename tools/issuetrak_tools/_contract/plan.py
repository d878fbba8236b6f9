"""The plan of a run: what it will send, in which order, and how long that takes at the site's limits.

A live site grants a token few requests (Issuetrak: 1000 per 12 hours, 100 per 10 minutes), so a
run is planned breadth first, in tiers, and the request budget cuts the plan from the end:

1. **positive** - every selected operation once, with a valid request (known iids in the path,
   page 1 of lists and searches), so that its success answer is checked; list and search first,
   since their answers provide the iids the others need (a ``discover`` step lists a collection
   no selected operation lists);
2. **errors** - the cheap negative probes: a sample of operations without the token (401, empty
   body), each ``GET /Xs/{iid}`` with an iid that does not exist (404, ``ApiResponse``);
3. **paging** - one paged operation per collection walked (at most four requests, whatever the
   list's size);
4. **search** - each search probed with the site's own records (case, several criteria) and one
   list or search per collection sorted descending;
5. **stateful** - with writes allowed, link-driven sequences (create -> get -> update -> search);
6. **depth** - generated cases, one per operation per round (negative, then positive, ...), in an
   order ``--seed`` shuffles, until the budget is spent; after the first round, the second
   opinions: the collections' other paging walks and the ascending sorts.

Against the in-process mock (no budget) the depth tier is schemathesis's full sweep instead.
The plan's order depends only on the document, the options and ``--seed``, never on the date.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import is_write
from issuetrak.ratelimit import RateLimiter, RateLimits
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.entities import Conventions, OperationRef
from issuetrak_tools._contract.paging import paged_operations
from issuetrak_tools._contract.semantics import search_shape

__all__ = [
    "LIVE_AUTH_SAMPLE",
    "Plan",
    "Step",
    "Tier",
    "build_plan",
    "expected_duration",
    "format_duration",
]

LIVE_AUTH_SAMPLE = 3  # operations probed without the token on a live site
# what a response takes besides the limiter's waits, for the duration estimate
ASSUMED_RESPONSE_SECONDS = 0.3


class Tier(enum.IntEnum):
    POSITIVE = 1
    ERRORS = 2
    PAGING = 3
    SEARCH = 4
    STATEFUL = 5
    DEPTH = 6

    @property
    def title(self) -> str:
        return {
            Tier.POSITIVE: "positive cases",
            Tier.ERRORS: "error paths",
            Tier.PAGING: "paging",
            Tier.SEARCH: "search and sort",
            Tier.STATEFUL: "linked sequences",
            Tier.DEPTH: "depth",
        }[self]


@dataclass(frozen=True)
class Step:
    """One planned unit of work (one pytest item, one JUnit test case)."""

    tier: Tier
    kind: str  # positive | discover | auth | not_found | paging | search | sort | sort_asc | depth
    operation: str  # "METHOD /path"
    estimate: int  # requests it is expected to send
    round: int = 0  # depth round (1, 2, ...)
    writes: int = 0  # of which writes

    @property
    def id(self) -> str:
        suffix = f" #{self.round}" if self.round else ""
        return f"{self.kind} {self.operation}{suffix}"


@dataclass
class Plan:
    steps: list[Step]
    selected: list[str]
    live: bool
    stateful: bool = False
    stateful_estimate: int = 0
    notes: list[str] = field(default_factory=list)

    def tier_steps(self, tier: Tier) -> list[Step]:
        return [step for step in self.steps if step.tier is tier]

    @property
    def estimate(self) -> int:
        return sum(step.estimate for step in self.steps) + self.stateful_estimate

    @property
    def writes(self) -> int:
        return sum(step.writes for step in self.steps) + (
            self.stateful_estimate // 2 if self.stateful else 0
        )

    def describe(
        self,
        *,
        target: str,
        label: str,
        allowed: str,
        budget: int,
        spent: int,
        windows: str,
        limits: RateLimits | None,
    ) -> list[str]:
        """The lines a live run prints before it sends anything."""
        lines = [
            f"plan: {target} against {label} ({allowed}); {len(self.selected)} operation(s) selected",
        ]
        left = budget - spent if budget else None
        running = spent
        for tier in Tier:
            steps = self.tier_steps(tier)
            cost = sum(s.estimate for s in steps)
            if tier is Tier.STATEFUL:
                if not self.stateful:
                    continue
                cost = self.stateful_estimate
                what = "link-driven sequences (create -> get -> update -> search)"
            elif not steps:
                continue
            else:
                what = _what(tier, steps)
            fits = ""
            if budget:
                room = max(0, budget - running)
                fits = "" if cost <= room else f", {room} within the budget"
            running += cost
            lines.append(f"  {tier.value}. {tier.title:<16} ~{cost:>4} requests: {what}{fits}")
        sent = min(self.estimate, left) if left is not None else self.estimate
        lines.append(
            f"  requests: ~{sent} to send"
            + (f" (budget {budget}, {spent} spent on the preflight)" if budget else " (no budget)")
        )
        lines.append(f"  site windows: {windows}")
        if limits is not None:
            total = spent + sent
            seconds = expected_duration(limits, total, min(self.writes, total))
            lines.append(
                f"  expected duration: about {format_duration(seconds)} for {total} requests "
                f"at these windows (+ the site's response times)"
            )
        lines += [f"  note: {note}" for note in self.notes]
        return lines


def _what(tier: Tier, steps: Sequence[Step]) -> str:
    kinds: dict[str, int] = {}
    for step in steps:
        kinds[step.kind] = kinds.get(step.kind, 0) + 1
    names = {
        "positive": "operation(s) once each",
        "discover": "collection(s) listed for iids",
        "auth": "without the token (401)",
        "not_found": "missing iid (404)",
        "paging": "paging walk(s)",
        "search": "search(es) probed",
        "sort": "sorted (descending)",
        "sort_asc": "sorted ascending",
        "depth": "generated case(s)",
    }
    return ", ".join(f"{count} {names.get(kind, kind)}" for kind, count in kinds.items())


def format_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def expected_duration(
    limits: RateLimits, requests: int, writes: int = 0, *, per_request: float = 0.0
) -> float:
    """Seconds the client-side limiter needs to grant ``requests`` (``writes`` of them writes).

    Computed with the SDK's own limiter on a simulated clock, so it is exactly what the limiter
    will make the run wait, plus ``per_request`` for each answer.
    """
    now = 0.0
    limiter = RateLimiter(limits, clock=lambda: now)
    spread = max(1, requests // max(1, writes)) if writes else 0
    for number in range(requests):
        write = bool(writes) and number % spread == 0 and number // spread < writes
        wait = limiter.reserve(write, now) or 0.0
        now += wait + per_request
    return now


# -- building the plan ----------------------------------------------------------------------------


def _secured(document: Mapping[str, Any], operation: Mapping[str, Any]) -> bool:
    security = operation.get("security", document.get("security", []))
    return any(isinstance(s, Mapping) and s for s in security or [])


def _positive_rank(ref: OperationRef) -> int:
    """Reads that list records first (their answers give the iids), then reads by iid, creates,
    other posts, updates; deletes last (of what the run created)."""
    reads = ref.method == "GET" or ref.kind == "search"
    if ref.method == "DELETE":
        return 5
    if reads:
        return 0 if not ref.params else 1
    if ref.kind == "create" or (ref.method == "POST" and not ref.params):
        return 2
    if ref.method == "POST":
        return 3
    return 4


def build_plan(
    document: Mapping[str, Any],
    conventions: Conventions,
    selected: Iterable[str],
    policy: WritePolicy,
    *,
    live: bool,
    seed: int = 0,
    depth_rounds: int = 2,
    auth_sample: int | None = None,
    stateful_estimate: int = 0,
) -> Plan:
    """The ordered steps of a run over the ``selected`` operations the ``policy`` allows.

    ``auth_sample`` is how many operations are probed without the token (``None``: live
    :data:`LIVE_AUTH_SAMPLE`, every secured operation in-process); ``depth_rounds`` is how many
    generated cases each operation gets in the depth tier (live only).
    """
    chosen = [
        ref
        for label in sorted(set(selected))
        if (ref := conventions.operation(label)) is not None and policy.allows(ref.method, ref.path)
    ]
    order = {label: index for index, label in enumerate(conventions.operations)}
    chosen.sort(key=lambda r: (_positive_rank(r), order.get(r.label, 0)))
    rng = random.Random(seed)
    steps: list[Step] = []
    notes: list[str] = []

    # 1. positive cases (with discovery of the iids they need)
    listed = {ref.store for ref in chosen if not ref.params and ref.kind in ("list", "search")}
    discovered: set[str] = set()
    for ref in chosen:
        for param in ref.params:
            owner = conventions.owner(ref.path, param)
            if owner is None or owner.store in listed or owner.store in discovered:
                continue
            source = owner.operations.get("list") or owner.operations.get("search")
            if (
                source is not None
                and not source.params
                and policy.allows(source.method, source.path)
            ):
                steps.append(Step(Tier.POSITIVE, "discover", source.label, 1))
                discovered.add(owner.store)
        writes = int(is_write(ref.method, ref.path))
        extra = 0
        collection = conventions.collection_of(ref)
        if (
            writes
            and ref.kind in ("create", "update")
            and collection
            and "get" in collection.operations
        ):
            extra = 1  # the read-back of write_persisted
        if ref.method == "DELETE" and collection and "create" not in collection.operations:
            notes.append(f"{ref.label}: nothing the run creates can be deleted; it is not sent")
            continue
        steps.append(Step(Tier.POSITIVE, "positive", ref.label, 1 + extra, writes=writes))

    # 2. error paths
    secured = [
        ref for ref in chosen if ref.method == "GET" and _secured(document, _spec(document, ref))
    ]
    sample = len(secured) if auth_sample is None and not live else (auth_sample or LIVE_AUTH_SAMPLE)
    without_params = [r for r in secured if not r.params]
    pool = without_params if len(without_params) >= min(sample, len(secured)) else secured
    picked = sorted(rng.sample(pool, min(sample, len(pool))), key=lambda r: order.get(r.label, 0))
    steps += [Step(Tier.ERRORS, "auth", ref.label, 1) for ref in picked]
    for ref in chosen:
        if ref.kind == "get" and ref.method == "GET" and len(ref.params) == 1:
            parts = [p for p in ref.path.split("/") if p]
            if len(parts) == 2:
                steps.append(Step(Tier.ERRORS, "not_found", ref.label, 1))

    # 3. paging
    labels = {ref.label for ref in chosen}
    paged = [op.label for op in paged_operations(document) if op.label in labels]
    # 3. paging: one walk per collection first (its search, else its list: the same records)
    primary: dict[str, str] = {}
    for label in paged:
        ref = conventions.operations[label]
        key = ref.store or label
        if key not in primary or ref.kind == "search":
            primary[key] = label
    first_walks = [label for label in paged if label in primary.values()]
    other_walks = [label for label in paged if label not in primary.values()]
    # page 1 usually comes with the positive case; then page 2, the last and the one after it
    steps += [Step(Tier.PAGING, "paging", label, 2) for label in first_walks]

    # 4. search semantics, then one sort per collection, descending (a sort ignored or applied
    # in reverse shows there); ascending comes with the second opinions below
    sorts: dict[str, str] = {}
    for label in paged:
        ref = conventions.operations[label]
        shape = search_shape(document, _spec(document, ref))
        if ref.kind == "search" and shape.judged:
            steps.append(Step(Tier.SEARCH, "search", label, 2))
        if shape.sort_fields and shape.directions:
            key = ref.store or label
            if key not in sorts or ref.kind == "search":
                sorts[key] = label
    sorted_ops = [label for label in paged if label in sorts.values()]
    steps += [Step(Tier.SEARCH, "sort", label, 1) for label in sorted_ops]

    # second opinions: the other walk of each collection, the ascending sorts. In process (no
    # budget) they join their tiers; live they follow the depth tier's first round
    second = [Step(Tier.PAGING, "paging", label, 2) for label in other_walks] + [
        Step(Tier.SEARCH, "sort_asc", label, 1) for label in sorted_ops
    ]
    if not live:
        steps += second
        steps.sort(key=lambda step: step.tier)  # stable: each tier keeps its order

    # 6. depth (live only; in-process the schemathesis sweep goes deeper): round 1 negative
    # cases, then the second opinions, then further rounds
    if live:
        shuffled = [ref for ref in chosen if ref.method != "DELETE"]
        rng.shuffle(shuffled)
        for round_number in range(1, max(depth_rounds, 1) + 1):
            if round_number <= depth_rounds:
                steps += [
                    Step(
                        Tier.DEPTH,
                        "depth",
                        ref.label,
                        1,
                        round=round_number,
                        writes=int(is_write(ref.method, ref.path)),
                    )
                    for ref in shuffled
                ]
            if round_number == 1:
                steps += [
                    Step(Tier.DEPTH, step.kind, step.operation, step.estimate, round=1)
                    for step in second
                ]
    stateful = policy.allow_writes and stateful_estimate > 0
    return Plan(
        steps=steps,
        selected=[ref.label for ref in chosen],
        live=live,
        stateful=stateful,
        stateful_estimate=stateful_estimate if stateful else 0,
        notes=notes,
    )


def _spec(document: Mapping[str, Any], ref: OperationRef) -> Mapping[str, Any]:
    spec: Mapping[str, Any] = document["paths"][ref.path][ref.method.lower()]
    return spec


def describe_estimate(seconds: float) -> str:
    return format_duration(math.ceil(seconds))
