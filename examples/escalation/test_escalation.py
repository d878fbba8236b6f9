"""The escalation job against the mock: what it changes, and what it leaves alone.

The tests look at the site through a plain httpx client (``issuetrak_mock.client()``), not the
SDK: what the SDK does is what the job does, so ``--issuetrak-usage`` records only the job.
"""

from __future__ import annotations

import datetime as dt

import pytest
from escalation import Escalation, escalate

RULE = Escalation("High", dt.timedelta(hours=24), assignee_iid=2, flag_udf="Text field")


def _issues(issuetrak_mock):  # type: ignore[no-untyped-def]
    http = issuetrak_mock.client()
    # the fixture seeds issues 1 to 50
    return {iid: http.get(f"/Issues/{iid}").json()["values"] for iid in range(1, 51)}


def _stale(issues, now):  # type: ignore[no-untyped-def]
    return {
        i["issueNumber"]
        for i in issues.values()
        if i["isOpen"]
        and i["priority"]["iid"] == 3  # "High" in the seeded site
        and dt.datetime.fromisoformat(i["submittedDate"]) < now - RULE.older_than
        and (i["assignedToUser"] or {}).get("iid") != RULE.assignee_iid
    }


def test_escalates_stale_open_high_priority_issues(issuetrak_mock):  # type: ignore[no-untyped-def]
    now = issuetrak_mock.site.now()
    stale = _stale(_issues(issuetrak_mock), now)
    assert stale, "the seeded site has stale high-priority issues"

    done = escalate(issuetrak_mock.sdk(), RULE, now)

    assert set(done) == stale
    after = _issues(issuetrak_mock)
    for number in done:
        issue = next(i for i in after.values() if i["issueNumber"] == number)
        assert issue["assignedToUser"]["iid"] == RULE.assignee_iid
        assert RULE.flag_value in [u["value"] for u in issue["udfs"]["text"]]
    others = [i for i in after.values() if i["issueNumber"] not in stale]
    assert all(
        RULE.flag_value not in [u["value"] for u in i["udfs"].get("text", [])] for i in others
    )


def test_a_second_run_escalates_nothing(issuetrak_mock):  # type: ignore[no-untyped-def]
    client = issuetrak_mock.sdk()
    now = issuetrak_mock.site.now()
    assert escalate(client, RULE, now)
    assert escalate(client, RULE, now) == []


def test_recent_issues_are_left_alone(issuetrak_mock):  # type: ignore[no-untyped-def]
    client = issuetrak_mock.sdk()
    now = issuetrak_mock.site.now()
    long_ago = now - dt.timedelta(days=3650)  # nothing was submitted this long before "now"
    assert escalate(client, RULE, long_ago) == []


def test_an_unknown_priority_stops_the_job(issuetrak_mock):  # type: ignore[no-untyped-def]
    rule = Escalation("Urgent!", RULE.older_than, 2, "Text field")
    with pytest.raises(SystemExit, match="no priority named 'Urgent!'"):
        escalate(issuetrak_mock.sdk(), rule, issuetrak_mock.site.now())
