"""A user with fewer permissions: refused with 403 where the document says so, and shown only
what that user may see.

Needs a second token, of a user without administrative access (``--restricted-token-env NAME``
live; the embedded mock's seeded end user in process); without one the family plans nothing and
the plan says why. The document (its authorization and troubleshooting sections) promises:

* operations respect the user's permissions as the website does; an operation the user may not
  perform answers ``403`` with the documented error body (``ApiResponse``: ``traceId`` and
  ``information``), never ``401`` (the token is valid) nor ``5xx``;
* a user without access to administrative functions who lists the collection the document names
  as its example (``GET /Departments``) gets ``403``;
* a record the user may not see answers ``404`` to a get by iid, and is absent from lists.

So, per list: the restricted answer is ``200`` or ``403`` (the error body as documented); a
``200`` shows no more records than the administrator's and a record it shows reads with the same
token. Per searchable collection with a get (issues): a record the administrator's page shows and
the user's complete page does not must answer ``404`` (or ``403``) to the user's get, never 2xx,
and a record the user's page shows must read with ``200`` to the user's get.
With ``--allow-writes``, a create on a collection the user may not list answers ``403``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import required_body
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "restricted_user_refused_or_hidden"
PAGE = 100
LIVE_LISTS = 3  # lists probed live besides the document's example
LIVE_CREATES = 1
# "... if a user without access to administrative functions attempts to list all departments,
# they will receive a 403 ..." (the document's 403 troubleshooting): the collection it names
_EXAMPLE = re.compile(r"attempts to list all (\w+)", re.IGNORECASE)


def admin_only_example(document: Mapping[str, Any]) -> str | None:
    """``GET /Xs`` of the collection the document's 403 section names (``GET /Departments``)."""
    found = _EXAMPLE.search(str(document.get("info", {}).get("description", "")))
    if found is None:
        return None
    segment = found.group(1).lower()
    return next(
        (f"GET {path}" for path in document.get("paths", {}) if path.lower() == f"/{segment}"),
        None,
    )


@family(
    "restricted",
    tier=Tier.READS,
    priority=40,
    checks=(CHECK,),
    invariant="with a restricted user's token: an operation the user may not perform answers "
    "403 with ApiResponse (the document's administrative example, GET /Departments, included); "
    "a list shows no record more than the administrator's, each readable by that user; a "
    "record hidden from the user's list answers 404 to the user's get",
)
def restricted(ctx: PlanContext) -> list[Step]:
    if not ctx.restricted:
        ctx.notes.append(
            "restricted: no second token (--restricted-token-env NAME, a user without "
            "administrative access): the 403 and visibility checks are skipped"
        )
        return []
    lists = [r for r in ctx.chosen if r.kind == "list" and r.method == "GET" and not r.params]
    example = admin_only_example(ctx.document)
    if ctx.live and len(lists) > LIVE_LISTS:
        first = [r for r in lists if r.label == example]
        others = [r for r in lists if r.label != example]
        lists = first + ctx.rng.sample(others, LIVE_LISTS)
    steps = [ctx.step(restricted, "restricted list", r.label, 3) for r in lists]
    for ref in ctx.chosen:
        collection = ctx.conventions.collection_of(ref)
        if (
            ref.kind == "search"
            and not ref.params
            and collection is not None
            and "get" in collection.operations
            and collection.operations.get("list") is None
        ):
            steps.append(ctx.step(restricted, "restricted hidden", ref.label, 4))
    creates = [
        r
        for r in ctx.chosen
        if r.kind == "create"
        and not r.params
        and (c := ctx.conventions.collection_of(r)) is not None
        and (listing := c.operations.get("list")) is not None
        and not listing.params
    ]
    if ctx.live:
        creates = creates[:LIVE_CREATES]
    steps += [ctx.step(restricted, "restricted create", r.label, 2, writes=1) for r in creates]
    return steps


def _page(
    engine: Engine, ref: OperationRef, *, restricted: bool
) -> tuple[httpx.Response, list[Any] | None, int | None]:
    query, body = engine.paging_pins(ref, PAGE)
    response = engine.request(ref.method, ref.path, params=query, json=body, restricted=restricted)
    answer = json_or_none(response.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    paging = answer.get("pagingInformation") if isinstance(answer, Mapping) else None
    total = paging.get("itemTotal") if isinstance(paging, Mapping) else None
    iids = (
        [v.get("iid") for v in values if isinstance(v, Mapping)]
        if isinstance(values, list)
        else None
    )
    return response, iids, total if isinstance(total, int) else None


def refusal_problem(response: httpx.Response) -> str | None:
    """What is wrong with a refusal of the restricted user (``None``: a documented 403)."""
    if response.status_code != 403:
        return f"answered {response.status_code}, where a refusal is 403"
    body = json_or_none(response.content)
    if not isinstance(body, Mapping) or not isinstance(body.get("information"), list):
        return "answered 403 without the documented ApiResponse body {traceId, information}"
    if not isinstance(body.get("traceId"), str):
        return "answered 403 whose ApiResponse has no traceId"
    return None


@restricted.handles("restricted list")
def list_refused_or_subset(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    response, iids, total = _page(engine, ref, restricted=True)
    engine.recorder.ran_check(CHECK)
    problems: list[str] = []
    example = ref.label == admin_only_example(engine.document)
    if response.status_code != 200 or example:
        problem = refusal_problem(response)
        if problem is not None:
            why = " (the document's example of an administrative list)" if example else ""
            problems.append(f"{problem}{why}")
    else:
        _, _, admin_total = _page(engine, ref, restricted=False)
        if total is not None and admin_total is not None and total > admin_total:
            problems.append(f"itemTotal {total} for the user, {admin_total} for the administrator")
        shown = [i for i in iids or [] if i is not None]
        get = _get_of(engine, ref)
        if shown and get is not None:
            read = engine.request(
                "GET", concrete(get.path, {get.params[0]: shown[0]}), restricted=True
            )
            if read.status_code != 200:
                problems.append(
                    f"lists iid {shown[0]} to the user, whose {get.label} answers {read.status_code}"
                )
    return _failures(engine, ref, response, problems)


def _get_of(engine: Engine, ref: OperationRef) -> OperationRef | None:
    collection = engine.conventions.collection_of(ref)
    get = collection.operations.get("get") if collection else None
    return get if get is not None and len(get.params) == 1 else None


def _unreadable_shown(
    engine: Engine, ref: OperationRef, get: OperationRef, iids: list[Any] | None
) -> list[str]:
    """A record the user's search shows is one the user may read: its get answers 200."""
    shown = [i for i in iids or [] if i is not None]
    if not shown:
        return []
    read = engine.request("GET", concrete(get.path, {get.params[0]: shown[0]}), restricted=True)
    if read.status_code == 200:
        return []
    return [
        f"shows iid {shown[0]} in the user's {ref.label}, whose {get.label} answers "
        f"{read.status_code} to the user"
    ]


@restricted.handles("restricted hidden")
def hidden_record_not_found(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    get = _get_of(engine, ref)
    if get is None:
        raise Unchecked(f"{ref.label}: no get by iid")
    response, iids, total = _page(engine, ref, restricted=True)
    engine.recorder.ran_check(CHECK)
    if response.status_code != 200:
        return _failures(engine, ref, response, [p for p in [refusal_problem(response)] if p])
    problems = _unreadable_shown(engine, ref, get, iids)
    if problems:
        return _failures(engine, ref, response, problems)
    _, admin_iids, admin_total = _page(engine, ref, restricted=False)
    mine = set(iids or [])
    if total is None or total > len(mine):
        raise Unchecked(f"{ref.label}: the user's records do not fit one page of {PAGE}")
    extra = sorted(mine - set(admin_iids or []), key=str)
    if extra and admin_total is not None and admin_total <= PAGE:
        problems.append(f"shows iid {extra[0]} to the user, not to the administrator")
    hidden = [i for i in admin_iids or [] if i is not None and i not in mine]
    if hidden:
        read = engine.request(
            "GET", concrete(get.path, {get.params[0]: hidden[0]}), restricted=True
        )
        if 200 <= read.status_code < 300 or read.status_code >= 500:
            problems.append(
                f"iid {hidden[0]} is absent from the user's {ref.label} but {get.label} gives it "
                f"to the user with {read.status_code} (a record the user may not see is 404)"
            )
    return _failures(engine, ref, response, problems)


@restricted.handles("restricted create")
def create_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    collection = engine.conventions.collection_of(ref)
    listing = collection.operations.get("list") if collection else None
    if listing is None:
        raise Unchecked(f"{ref.label}: no list")
    listed = engine.request(
        "GET", listing.path, params={"PageNumber": 1, "PageSize": 1}, restricted=True
    )
    if listed.status_code != 403:
        raise Unchecked(
            f"{ref.label}: the user may list {listing.path}; what it may create is the site's"
        )
    body = required_body(engine, ref)
    created = engine.request("POST", ref.path, json=body, restricted=True)
    engine.recorder.ran_check(CHECK)
    if 200 <= created.status_code < 300:
        engine.knowledge.learn(ref, json_or_none(created.content))
    problem = refusal_problem(created)
    if problem is None:
        return []
    return _failures(
        engine,
        ref,
        created,
        [f"{problem}, though {listing.label} refuses the user with 403 (no permission on it)"],
    )


def _failures(
    engine: Engine, ref: OperationRef, response: httpx.Response, problems: list[str]
) -> list[FailureRecord]:
    if not problems:
        return []
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A user with fewer permissions is not refused with 403, or sees what it may not",
            f"{ref.label} with the restricted user's token: " + "; ".join(problems[:4]),
        )
    ]
