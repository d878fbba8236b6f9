"""A deterministic demo site: the same ``seed`` always builds the same records and tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from .issues import add_note, create_issue
from .schemas import format_datetime, ref_name
from .site import Actor, MockSite

__all__ = ["ROLE_GROUPS", "seed_site"]

_FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "Niklaus",
    "Hedy",
    "John",
    "Katherine",
    "Linus",
    "Sophie",
    "Tim",
    "Anita",
    "Vint",
]
_LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Wirth",
    "Lamarr",
    "Backus",
    "Johnson",
    "Torvalds",
    "Wilson",
    "Berners-Lee",
    "Borg",
    "Cerf",
]
_SUBJECTS = [
    "Printer offline on floor {n}",
    "VPN drops every hour",
    "Password reset for {who}",
    "Laptop battery swelling",
    "Email bounce from {org}",
    "New hire setup: {who}",
    "Monitor flickers",
    "Shared drive full",
    "License renewal for {org}",
    "Wi-Fi slow in room {n}",
    "Phone extension {n} dead",
    "Request: second monitor",
    "Outlook crashes on start",
    "Badge reader at door {n}",
    "Invoice portal error 500",
]
_WORDS = [
    "urgent",
    "intermittent",
    "since Monday",
    "after update",
    "for all users",
    "only remote",
    "customer-facing",
    "blocking release",
    "low impact",
    "reported twice",
]

#: Permissions of the seeded groups; the end user's group cannot edit or see others' issues.
ROLE_GROUPS: dict[str, list[str]] = {
    "Administrators": [
        "IsAdmin",
        "CanUseApiV2",
        "CanEditIssues",
        "CanSeeIssuesSubmittedByOthers",
        "CanCloseIssues",
    ],
    "Agents": [
        "CanUseApiV2",
        "CanEditIssues",
        "CanSeeIssuesSubmittedByOthers",
        "CanAssignIssues",
        "CanBeAssignedIssues",
        "CanCloseIssues",
        "CanViewSearchIssues",
        "CanAddNotesOnClosedIssues",
        "CanViewTasksInIssues",
        "CanEditTasksInIssues",
        "CanMaintainCustomRecordTableRecords",
    ],
    "End Users": ["CanUseApiV2", "CanViewSubmitIssue"],
    "No API": ["CanViewSubmitIssue"],
}


def _create(
    site: MockSite, stem: str, payload: dict[str, Any], actor: int | None = 1
) -> dict[str, Any] | None:
    store = site.find_store(stem)
    if store is None:
        return None
    # the demo values follow the label's document: a double that became an integer is seeded
    # as an integer, a name is cut to the maxLength the document states, ...
    return site.index.fit_record(site.new_record(store, payload, actor), store.entity, site.now())


def _seed_singletons(site: MockSite) -> None:
    now = site.now()
    for route in site.routes.routes:
        if route.kind != "other" or route.method != "GET" or not route.response_schema:
            continue
        values = site.index.properties(route.response_schema).get("values")
        name = ref_name(values) if isinstance(values, dict) else None
        if name and name not in site.singletons:
            site.singletons[name] = site.index.default_for(site.index.schemas[name], now)
    settings = site.singletons.get("Settings")
    if isinstance(settings, dict):
        settings.update(
            {
                "listSize": 25,
                "isDepartmentsEnabled": True,
                "isLocationsEnabled": True,
                "isProjectsEnabled": True,
            }
        )
    crt = site.singletons.get("CustomRecordsDefinitions")
    if isinstance(crt, dict):
        for key in crt:
            if key.endswith("Label"):
                crt[key] = (
                    "Asset tags" if key == "tableLabel" else key.removesuffix("Label").capitalize()
                )
    _seed_udf_definitions(site, "IssueUdfDefinitions")
    _seed_udf_definitions(site, "UserUdfDefinitions")
    _seed_udf_definitions(site, "OrganizationUdfDefinitions")
    for name, value in site.singletons.items():
        if name in site.index.schemas:
            site.singletons[name] = site.index.fit(value, site.index.schemas[name], now)


def _seed_udf_definitions(site: MockSite, schema: str) -> None:
    if schema not in site.index.schemas:
        return
    now = site.now()
    out: dict[str, Any] = {}
    for number, (key, prop) in enumerate(site.index.properties(schema).items(), start=1):
        item_name = ref_name(site.index.resolve(prop).get("items", {})) or ""
        item = site.index.default_for(site.index.schemas.get(item_name, {}), now)
        label = key.removesuffix("Fields")
        item.update({"iid": number, "name": f"{label[0].upper()}{label[1:]} field"})
        if "isPrivate" in item:
            item["isPrivate"] = False
        if "options" in item:
            option_name = (
                ref_name(
                    site.index.resolve(site.index.properties(item_name)["options"]).get("items", {})
                )
                or ""
            )
            item["options"] = []
            for opt in range(1, 5):
                option = site.index.default_for(site.index.schemas.get(option_name, {}), now)
                option.update(
                    {
                        "iid": number * 100 + opt,
                        "displayText": f"Option {opt}",
                        "displayOrder": float(opt),
                        "isActive": True,
                    }
                )
                item["options"].append(
                    {k: v for k, v in option.items() if k in site.index.properties(option_name)}
                )
        out[key] = [item]
    site.singletons[schema] = out


def _user(
    site: MockSite, n: int, org: int, *, admin: bool, agent: bool, dept: int | None
) -> dict[str, Any] | None:
    # every seeded user has a name of their own: the last name shifts once per round of first
    # names, and past every pairing a round number is added
    first = _FIRST[n % len(_FIRST)]
    last = _LAST[(n * 7 + n // len(_FIRST)) % len(_LAST)]
    if n >= len(_FIRST) * len(_LAST):
        last = f"{last} {n // (len(_FIRST) * len(_LAST)) + 1}"
    payload = {
        "id": f"{first.lower()}.{last.lower()}{n}",
        "firstName": first,
        "lastName": last,
        "displayName": f"{first} {last}",
        "email": f"{first.lower()}.{n}@example.com",
        "isAgent": agent,
        "isSysAdmin": admin,
        "canLogin": True,
        "primaryOrganizationIid": org,
        "departmentIid": dept,
        "timeZone": None,
        "city": ["Raleigh", "Tampa", "Denver", "Boston"][n % 4],
        "udfs": {
            "textFields": [{"iid": 2, "value": f"BADGE-{1000 + n}"}],
            "dateFields": [
                {"iid": 3, "value": (site.now().date() - dt.timedelta(days=9 * n)).isoformat()}
            ]
            if n % 3
            else [],
            "listFields": [{"iid": 1, "value": 101 + n % 4}],
        },
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    rec = _create(site, "user", payload)
    if rec is not None:
        site.org_members[("users", rec["iid"])] = {
            org: {
                "organizationIid": org,
                "allowIssueEditingWithEditPermissions": False,
                "canViewUsers": agent,
            }
        }
    return rec


def seed_site(site: MockSite, *, issues: int = 300, users: int = 20) -> None:
    """Fill ``site`` with a demo data set; ``issues`` sets the issue count (e.g. 10_000 for benchmarks)."""
    rnd = site.random
    now = site.now()
    _seed_singletons(site)
    orgs = [
        _create(
            site,
            "organization",
            {
                "name": n,
                "isInternal": i == 0,
                "email": f"info@{n.split()[0].lower()}.example.com",
                "webAddress": "https://example.com",
            },
        )
        for i, n in enumerate(["Helpdesk Inc", "Acme Corp", "Globex", "Initech", "Umbrella Health"])
    ]
    org_iids = [o["iid"] for o in orgs if o]
    depts = [
        _create(site, "department", {"name": n}) for n in ["IT", "Facilities", "Finance", "HR"]
    ]
    dept_iids = [d["iid"] for d in depts if d]
    for i, n in enumerate(["Headquarters", "Warehouse", "Remote", "Branch East", "Branch West"]):
        _create(
            site,
            "location",
            {
                "name": n,
                "id": f"LOC{i + 1}",
                "organizationIid": org_iids[i % len(org_iids)] if org_iids else None,
                "city": n.split()[-1],
            },
        )
    groups = {}
    for name, perms in ROLE_GROUPS.items():
        rec = _create(
            site,
            "group",
            {
                "name": name,
                "permissions": perms,
                "primaryOrganizationIid": org_iids[0] if org_iids else 1,
                "isAgentOnly": name != "End Users",
                "email": "group@example.com",
                "sms": "group@example.com",
            },
        )
        if rec:
            groups[name] = rec["iid"]
    org0 = org_iids[0] if org_iids else 1
    admin = _user(site, 0, org0, admin=True, agent=True, dept=dept_iids[0] if dept_iids else None)
    agent = _user(site, 1, org0, admin=False, agent=True, dept=dept_iids[0] if dept_iids else None)
    end_user = _user(
        site, 2, org_iids[1] if len(org_iids) > 1 else org0, admin=False, agent=False, dept=None
    )
    no_api = _user(
        site, 3, org_iids[1] if len(org_iids) > 1 else org0, admin=False, agent=False, dept=None
    )
    extra = [
        _user(
            site,
            n,
            org_iids[n % len(org_iids)] if org_iids else 1,
            admin=False,
            agent=n % 3 == 0,
            dept=dept_iids[n % len(dept_iids)] if dept_iids else None,
        )
        for n in range(4, 4 + users)
    ]
    role_users = {"admin": admin, "agent": agent, "end_user": end_user}
    for role, rec in role_users.items():
        if rec is None:
            continue
        group = {"admin": "Administrators", "agent": "Agents", "end_user": "End Users"}[role]
        site.group_members.setdefault(rec["iid"], set()).add(groups[group])
        site.issue_token(rec["iid"], role)
    if no_api:
        site.group_members.setdefault(no_api["iid"], set()).add(groups["No API"])
        site.issue_token(no_api["iid"], "no_api")
    for rec in extra:
        if rec:
            site.group_members.setdefault(rec["iid"], set()).add(
                groups["Agents" if rec["isAgent"] else "End Users"]
            )
    if admin:
        site.expired_token = site.issue_token(
            admin["iid"], None, expires=now - dt.timedelta(days=1)
        )
    for stem, names in {
        "issuetype": ["Hardware", "Software", "Network", "Access Request"],
        "priority": ["Low", "Medium", "High", "Critical"],
        "severity": ["Minor", "Major", "Blocker"],
        "substatus": ["Waiting on customer", "Waiting on vendor", "In progress", "Scheduled"],
        "cause": ["User error", "Defect", "Configuration"],
        "class": ["Incident", "Service request", "Change"],
        "configurationitem": ["Email server", "Firewall", "ERP"],
        "solution": ["Restarted service", "Replaced hardware", "Updated configuration"],
        "project": ["Office move", "Cloud migration"],
        "region": ["North", "South"],
        "taskgroup": ["Onboarding", "Offboarding"],
        "task": ["Create account", "Ship laptop", "Collect badge"],
    }.items():
        for order, name in enumerate(names, start=1):
            _create(
                site,
                stem,
                {"name": name, "displayOrder": float(order), "type": "Standard", "isActive": True},
            )
    for level in (1, 2, 3, 4):
        for name in ("General", "Urgent"):
            _create(site, f"subtype{level}", {"name": f"{name} {level}", "displayOrder": 1.0})
    for row in range(1, 21):
        _create(site, "customrecords", {f"field{k}": f"R{row:03d}-{k}" for k in range(1, 4)})
    hub = site.find_store("issuehubview")
    if hub is not None:
        for order, view in enumerate(["My Issues", "Unassigned", "All Open"], start=1):
            rec = site.new_record(
                hub, {"name": view, "displayOrder": float(order), "isSystem": order < 3}, 1
            )
            old = rec["iid"]
            gid = str(uuid.UUID(int=rnd.getrandbits(128)))
            rec["iid"] = rec["id"] = gid
            hub.records[gid] = hub.records.pop(old)
            hub.meta[gid] = hub.meta.pop(old, {})
            site.index.fit_record(rec, hub.entity, now)
        views = list(hub.records)
        for user_iid, rec in site.users().records.items():
            if user_iid % 2 == 0:
                rec["issueHubViewIid"] = views[user_iid % len(views)]
    _seed_issues(site, issues, [u for u in [admin, agent, end_user, *extra] if u])


def _seed_issues(site: MockSite, count: int, users: list[dict[str, Any]]) -> None:
    rnd = site.random
    now = site.now()
    agents = [u for u in users if u.get("isAgent")]

    def iids(stem: str) -> list[Any]:
        store = site.find_store(stem)
        return list(store.records) if store else []

    types, prios, sevs, subs = (
        iids("issuetype"),
        iids("priority"),
        iids("severity"),
        iids("substatus"),
    )
    orgs, locs, depts, causes, classes = (
        iids("organization"),
        iids("location"),
        iids("department"),
        iids("cause"),
        iids("class"),
    )
    st1 = iids("subtype1")
    defs = site.singletons.get("IssueUdfDefinitions", {})

    def udf_iid(key: str) -> int | None:
        items = defs.get(key) or []
        return items[0]["iid"] if items else None

    actors = {u["iid"]: Actor(u["iid"], "", True, True, frozenset()) for u in users}
    issue_store = site.find_store("issue")
    issue_entity = issue_store.entity if issue_store is not None else None
    for n in range(count):
        submitter = users[rnd.randrange(len(users))]
        submitted = now - dt.timedelta(minutes=rnd.randrange(0, 60 * 24 * 540))
        who = f"{submitter['firstName']} {submitter['lastName']}"
        payload: dict[str, Any] = {
            "subject": _SUBJECTS[rnd.randrange(len(_SUBJECTS))].format(
                n=rnd.randrange(1, 40), who=who, org="Acme"
            ),
            "description": f"{rnd.choice(_WORDS)}; {rnd.choice(_WORDS)}. Ticket {n + 1}.",
            "issueTypeIid": rnd.choice(types) if types else 1,
            "submittedByIid": submitter["iid"],
            "submittedDate": format_datetime(submitted),
        }
        if prios:
            payload["priorityIid"] = rnd.choice(prios)
        if sevs and rnd.random() < 0.7:
            payload["severityIid"] = rnd.choice(sevs)
        if subs and rnd.random() < 0.5:
            payload["subStatusIid"] = rnd.choice(subs)
        if orgs:
            payload["organizationIid"] = rnd.choice(orgs)
        if locs and rnd.random() < 0.6:
            payload["locationIid"] = rnd.choice(locs)
        if depts and rnd.random() < 0.5:
            payload["responsibleDepartmentIid"] = rnd.choice(depts)
        if causes and rnd.random() < 0.3:
            payload["causeIid"] = rnd.choice(causes)
        if classes:
            payload["classIid"] = rnd.choice(classes)
        if st1 and rnd.random() < 0.4:
            payload["subType1Iid"] = rnd.choice(st1)
        if agents and rnd.random() < 0.7:
            payload["assignedToIid"] = rnd.choice(agents)["iid"]
        if rnd.random() < 0.3:
            payload["targetDate"] = (
                (submitted + dt.timedelta(days=rnd.randrange(1, 30))).date().isoformat()
            )
        if rnd.random() < 0.3:
            payload["customRecordField1"] = f"R{rnd.randrange(1, 21):03d}-1"
        udfs: dict[str, list[dict[str, Any]]] = {}
        if (t := udf_iid("textFields")) and rnd.random() < 0.6:
            udfs["text"] = [
                {"udfId": t, "value": rnd.choice(["alpha", "Beta", "gamma ray", "delta"])}
            ]
        if (t := udf_iid("numberFields")) and rnd.random() < 0.5:
            udfs["number"] = [{"udfId": t, "value": rnd.randrange(0, 100)}]
        if (t := udf_iid("yesNoFields")) and rnd.random() < 0.5:
            udfs["yesNo"] = [{"udfId": t, "value": rnd.random() < 0.5}]
        if (t := udf_iid("listFields")) and rnd.random() < 0.5:
            udfs["list"] = [{"udfId": t, "value": t * 100 + rnd.randrange(1, 5)}]
        if (t := udf_iid("multiSelectFields")) and rnd.random() < 0.4:
            udfs["multiSelectList"] = [
                {
                    "udfId": t,
                    "values": sorted(
                        rnd.sample(range(t * 100 + 1, t * 100 + 5), rnd.randrange(1, 4))
                    ),
                }
            ]
        if (t := udf_iid("dateFields")) and rnd.random() < 0.4:
            udfs["date"] = [
                {
                    "udfId": t,
                    "value": (submitted + dt.timedelta(days=rnd.randrange(-5, 20)))
                    .date()
                    .isoformat(),
                }
            ]
        if udfs:
            payload["udfs"] = udfs
        actor = actors[submitter["iid"]]
        rec = create_issue(site, payload, actor, history=count <= 2000)
        if issue_entity is not None:
            site.index.fit_record(rec, issue_entity, now)
        if rnd.random() < 0.35:
            closed = submitted + dt.timedelta(hours=rnd.randrange(1, 24 * 20))
            if closed < now:
                rec["isOpen"] = False
                rec["closedDate"] = format_datetime(closed)
                rec["closedByUser"] = (
                    dict(rec["assignedToUser"])
                    if rec["assignedToUser"].get("iid")
                    else dict(rec["enteredByUser"])
                )
        for _ in range(rnd.randrange(0, 3)):
            add_note(
                site,
                rec["iid"],
                f"Looked into it: {rnd.choice(_WORDS)}.",
                submitter["iid"],
                audit=count <= 2000,
            )
