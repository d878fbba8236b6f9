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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from issuetrak.ratelimit import RateLimiter, RateLimits
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.entities import Conventions, OperationRef
from issuetrak_tools._contract.tiers import LIVE_AUTH_SAMPLE, Step, Tier

__all__ = [
    "LIVE_AUTH_SAMPLE",
    "Plan",
    "Step",
    "Tier",
    "build_plan",
    "expected_duration",
    "format_duration",
]

# what a response takes besides the limiter's waits, for the duration estimate
ASSUMED_RESPONSE_SECONDS = 0.3


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
        kind = step.kind.split(" ", 1)[0]  # "operator Contains" counts as an operator probe
        kinds[kind] = kinds.get(kind, 0) + 1
    names = {
        "invalid_token": "with a made-up token (401)",
        "burst": "limiter burst (429 with Retry-After)",
        "identity": "read by iid against its list",
        "membership": "membership(s) added and read back",
        "operator": "match type(s) probed",
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
    restricted: bool = False,
) -> Plan:
    """The ordered steps of a run over the ``selected`` operations the ``policy`` allows.

    The plan is the loop over the registered check families (:mod:`.families`): each plans its
    steps, and the steps run by tier, then depth round, then the family's priority. Every step
    names its operation (``Step.operation``), so a plan can be filtered by operation afterwards.
    ``auth_sample`` is how many operations are probed without the token (``None``: live
    :data:`LIVE_AUTH_SAMPLE`, every secured operation in-process); ``depth_rounds`` is how many
    generated cases each operation gets in the depth tier (live only); ``restricted`` whether
    the run has a second token, of a user with fewer permissions.
    """
    from issuetrak_tools._contract.families import PlanContext, registered

    chosen = [
        ref
        for label in sorted(set(selected))
        if (ref := conventions.operation(label)) is not None and policy.allows(ref.method, ref.path)
    ]
    order = {label: index for index, label in enumerate(conventions.operations)}
    chosen.sort(key=lambda r: (_positive_rank(r), order.get(r.label, 0)))
    ctx = PlanContext(
        document,
        conventions,
        chosen,
        policy,
        live,
        seed=seed,
        depth_rounds=depth_rounds,
        auth_sample=auth_sample,
        restricted=restricted,
    )
    families = registered()
    steps: list[Step] = []
    for family in families:
        steps += family.plan(ctx)
    priority = {family.name: family.priority for family in families}
    steps.sort(key=lambda step: (step.tier, step.round, priority.get(step.family, 0)))
    stateful = policy.allow_writes and stateful_estimate > 0
    return Plan(
        steps=steps,
        selected=[ref.label for ref in chosen],
        live=live,
        stateful=stateful,
        stateful_estimate=stateful_estimate if stateful else 0,
        notes=ctx.notes,
    )


def _spec(document: Mapping[str, Any], ref: OperationRef) -> Mapping[str, Any]:
    spec: Mapping[str, Any] = document["paths"][ref.path][ref.method.lower()]
    return spec


def describe_estimate(seconds: float) -> str:
    return format_duration(math.ceil(seconds))
