"""An escalation job: open issues of a high priority left for too long get a note, a new
assignee and a UDF that marks them escalated.

Run it against your site (``ISSUETRAK_BASE_URL``, ``ISSUETRAK_TOKEN``)::

    python escalation.py --priority High --older-than 24 --assignee 7 --flag-udf Escalation

It uses four operations of the Issuetrak API: the priorities list, the issue UDF definitions,
the issue search and the issue PATCH. ``usage.json`` beside it records exactly what of them it
uses (regenerated from its tests: ``pytest test_escalation.py --issuetrak-usage=usage.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from issuetrak import Issuetrak
from issuetrak.filters import before, entity, is_true, match_any, where

__all__ = ["Escalation", "escalate", "main"]


@dataclass(frozen=True)
class Escalation:
    """What to escalate and how."""

    priority: str  # the priority's name, e.g. "High"
    older_than: dt.timedelta
    assignee_iid: int
    flag_udf: str  # the name of a text UDF of issues
    flag_value: str = "escalated"
    note: str = "Escalated: open for too long at this priority."


def _priority_iid(client: Issuetrak, name: str) -> int:
    for priority in client.priorities.list():
        if priority.name == name:
            return int(priority.iid)
    raise SystemExit(f"escalation: no priority named {name!r}")


def _text_udf_iid(client: Issuetrak, name: str) -> int:
    for field in client.issues.get_issue_udfs().text_fields or ():
        if field.name == name:
            return int(field.iid)
    raise SystemExit(f"escalation: no text UDF of issues named {name!r}")


def escalate(client: Issuetrak, rule: Escalation, now: dt.datetime) -> list[int]:
    """Escalate every open issue of ``rule.priority`` submitted before ``now - rule.older_than``
    and not yet assigned to ``rule.assignee_iid``; returns the issue numbers escalated."""
    priority = _priority_iid(client, rule.priority)
    udf = _text_udf_iid(client, rule.flag_udf)
    stale = client.issues.search(
        where(
            is_open=is_true(),
            priority=entity(iid=match_any(priority)),
            submitted_date=before(now - rule.older_than),
        ),
        sort_field="SubmittedDate",
    )
    done: list[int] = []
    for issue in stale:
        assignee = issue.assigned_to_user
        if assignee is not None and assignee.iid == rule.assignee_iid:
            continue  # escalated on an earlier run
        (
            client.issues.patch(issue.iid)
            .add_note(rule.note)
            .replace("assigned_to_user", rule.assignee_iid)
            .set_udf("text", udf, rule.flag_value)
            .send()
        )
        done.append(int(issue.issue_number))
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--priority", default="High")
    parser.add_argument("--older-than", type=float, default=24.0, metavar="HOURS")
    parser.add_argument("--assignee", type=int, required=True, metavar="USER_IID")
    parser.add_argument("--flag-udf", required=True, metavar="UDF_NAME")
    args = parser.parse_args(argv)
    rule = Escalation(
        args.priority, dt.timedelta(hours=args.older_than), args.assignee, args.flag_udf
    )
    with Issuetrak() as client:
        numbers = escalate(client, rule, dt.datetime.now(dt.UTC))
    print(f"escalated {len(numbers)} issue(s): {', '.join(map(str, numbers)) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
