"""Closing duplicate issues closes each of them in favour of the parent (``--allow-writes``).

``POST /Issues/Close/Duplicate`` (``CloseDuplicateIssues``: a parent issue number and the numbers
of its duplicates). Three issues the run creates: the second and third are closed as duplicates
of the first, and each must read back closed (``isOpen`` false) with the first as its
``parentIssue``, the first still open. Issue numbers no issue has (past every number the run
knows) are refused with 400, and close nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import created_issue
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "duplicates_closed"
CLOSE = "POST /Issues/Close/Duplicate"
UNKNOWN_OFFSET = 10**6  # an issue number this far past the run's newest is no issue's


@family(
    "close_duplicates",
    tier=Tier.READS,
    priority=37,
    checks=(CHECK,),
    invariant="closing duplicates in favour of a parent closes each one (isOpen false, "
    "parentIssue the parent, read back), the parent stays open; unknown issue numbers are "
    "refused with 400",
    modes="writes",
)
def close_duplicates(ctx: PlanContext) -> list[Step]:
    if not {CLOSE, "POST /Issues/Create", "GET /Issues/{iid}"} <= ctx.labels:
        return []
    return [ctx.step(close_duplicates, "close duplicates", CLOSE, 9, writes=5)]


def _issue(engine: Engine, iid: Any) -> Mapping[str, Any]:
    read = engine.request("GET", f"/Issues/{iid}")
    values = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    if not isinstance(values, Mapping):
        raise Unchecked(f"GET /Issues/{iid} answered {read.status_code}")
    return values


def _parent_iid(issue: Mapping[str, Any]) -> Any:
    parent = issue.get("parentIssue")
    return parent.get("iid") if isinstance(parent, Mapping) else parent


@close_duplicates.handles("close duplicates")
def duplicates_closed(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    issues = [_issue(engine, created_issue(engine)) for _ in range(3)]
    numbers = [i.get("issueNumber") for i in issues]
    if not all(isinstance(n, int) for n in numbers):
        raise Unchecked("the issues created read back without an issueNumber")
    body = {"parentIssueNumber": numbers[0], "duplicateIssueNumbers": numbers[1:]}
    closed = engine.request("POST", ref.path, json=body)
    engine.recorder.ran_check(CHECK)
    problems = []
    if not 200 <= closed.status_code < 300:
        problems.append(f"answered {closed.status_code}: {closed.text[:300]}")
    else:
        parent = _issue(engine, issues[0]["iid"])
        if parent.get("isOpen") is False:
            problems.append(f"the parent issue {numbers[0]} reads back closed")
        for issue in issues[1:]:
            after = _issue(engine, issue["iid"])
            if after.get("isOpen") is not False or _parent_iid(after) != issues[0]["iid"]:
                problems.append(
                    f"issue {issue.get('issueNumber')} reads isOpen {after.get('isOpen')!r}, "
                    f"parentIssue {after.get('parentIssue')!r}"
                )
    failures = []
    if problems:
        failures.append(
            engine.failure(
                ref,
                closed,
                CHECK,
                "Duplicates closed in favour of a parent do not read back closed under it",
                f"{ref.label} with {body}: " + "; ".join(problems),
            )
        )
    unknown = {
        "parentIssueNumber": numbers[0],
        "duplicateIssueNumbers": [max(numbers) + UNKNOWN_OFFSET],
    }
    refused = engine.request("POST", ref.path, json=unknown)
    if refused.status_code != 400:
        failures.append(
            engine.failure(
                ref,
                refused,
                CHECK,
                "Closing duplicates that do not exist is not refused with 400",
                f"{ref.label} with {unknown} (an issue number no issue has) answered "
                f"{refused.status_code}, expected 400",
            )
        )
    return failures
