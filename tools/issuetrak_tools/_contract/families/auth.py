"""Authentication: a request without the token, or with a token the site never issued, is 401 with
an empty body (Issuetrak's ``X-Api-Key`` scheme).

Without the token: a sample of secured reads live (every secured operation in-process). With a
present but invalid token: one operation of every kind of secured operation the run may send
(list, get by id, search, settings, sub-collection, create, update, ...), on every seed, so a site
that takes any non-empty key is reported whatever the seed.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.classify import operation_kind
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.tiers import LIVE_AUTH_SAMPLE, Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

INVALID_TOKEN_CHECK = "invalid_token_refused"


@family(
    "auth",
    tier=Tier.ERRORS,
    priority=10,
    checks=("auth_required", INVALID_TOKEN_CHECK, "unauthorized_without_body"),
    invariant="a secured operation sent without X-Api-Key, or with a key the site never issued, "
    "is 401 with an empty body (every kind of secured operation gets the invalid key)",
)
def auth(ctx: PlanContext) -> list[Step]:
    secured = [ref for ref in ctx.chosen if ref.method == "GET" and ctx.secured(ref)]
    live_sample = ctx.auth_sample or LIVE_AUTH_SAMPLE
    sample = len(secured) if ctx.auth_sample is None and not ctx.live else live_sample
    without_params = [r for r in secured if not r.params]
    pool = without_params if len(without_params) >= min(sample, len(secured)) else secured
    picked = sorted(
        ctx.rng.sample(pool, min(sample, len(pool))), key=lambda r: ctx.order.get(r.label, 0)
    )
    steps = [ctx.step(auth, "auth", ref.label, 1) for ref in picked]
    # one operation of each kind with a made-up key: deterministic, whatever the seed
    kinds: dict[str, str] = {}
    for ref in sorted(ctx.chosen, key=lambda r: ctx.order.get(r.label, 0)):
        if ctx.secured(ref) and ref.method != "DELETE":
            kinds.setdefault(operation_kind(ref), ref.label)
    steps += [ctx.step(auth, "invalid_token", label, 1) for label in kinds.values()]
    return steps


def _refused(
    engine: Engine, step: Step, headers: dict[str, str], check: str, how: str
) -> list[Any]:
    ref = engine.ref(step)
    case = engine.case(ref, step, simplest=True)
    if case.headers:
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "x-api-key"}
    response, records = engine.send(case, ref, headers=headers)
    engine.recorder.ran_check(check)
    if response.status_code != 401:
        records.append(
            engine.failure(
                ref,
                response,
                check,
                f"A request {how} was not refused with 401",
                f"{ref.label} sent {how} answered {response.status_code}; Issuetrak answers "
                "401 with an empty body",
                curl=engine.case_curl(case),
            )
        )
    return records


@auth.handles("auth")
def without_token(engine: Engine, step: Step) -> list[FailureRecord]:
    return _refused(engine, step, {}, "auth_required", "without X-Api-Key")


@auth.handles("invalid_token")
def invalid_token(engine: Engine, step: Step) -> list[FailureRecord]:
    # the same shape as a real key, so only the site's own lookup can tell it apart
    made_up = secrets.token_hex(16)
    return _refused(
        engine,
        step,
        {"X-Api-Key": made_up},
        INVALID_TOKEN_CHECK,
        "with an X-Api-Key the site never issued",
    )
