"""User-defined fields written and read back (``--allow-writes``).

The site's UDF definitions (``GET /Issues/Udfs``: one list per kind - text, large text, list,
date, decimal, number, yes/no, hyperlink, associated issue, multi-select) say which fields an
issue may carry. One issue is created (``POST /Issues/Create``, its required fields) with a value
for the first definition of every kind - for a list, its last active option (not the first, so a
site that resolves an option by position shows); for a multi-select, its last two - and read
back (``GET /Issues/{iid}``): each UDF must read back the value sent (dates by their day, numbers
by value, list options by iid).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import required_body
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.persistence import same_value
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none, plain_value
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "udf_persisted"
CREATE, GET, DEFINITIONS = "POST /Issues/Create", "GET /Issues/{iid}", "GET /Issues/Udfs"


@family(
    "udfs",
    tier=Tier.READS,
    priority=35,
    checks=(CHECK,),
    invariant="an issue created with a value for a UDF of every kind the site defines (a list "
    "option other than the first) reads each one back as sent",
    modes="writes",
)
def udfs(ctx: PlanContext) -> list[Step]:
    if not {CREATE, GET, DEFINITIONS} <= ctx.labels:
        return []
    return [ctx.step(udfs, "udfs", CREATE, 3, writes=1)]


def udf_kinds(engine: Engine) -> dict[str, tuple[str, str]]:
    """definitions key -> (create key, read key): ``multiSelectFields`` -> multiSelectList."""
    index = engine.conventions.index
    create = index.properties("CreateUdfIssueData")
    read = index.properties("IssueUdfs")
    found = {}
    for key in index.properties("IssueUdfDefinitions"):
        stem = key.removesuffix("Fields")
        written = next((k for k in create if k.startswith(stem)), None)
        shown = next((k for k in read if k.startswith(stem)), None)
        if written and shown:
            found[key] = (written, shown)
    return found


def _value(engine: Engine, create_key: str, definition: Mapping[str, Any]) -> tuple[str, Any]:
    """(``value`` or ``values``, what to send) for one definition, ``None`` when nothing fits."""
    index = engine.conventions.index
    item = index.resolve(index.properties("CreateUdfIssueData")[create_key].get("items", {}))
    fields = index.resolve(item).get("properties", {})
    options = [o.get("iid") for o in definition.get("options") or [] if o.get("isActive", True)]
    if "values" in fields:
        if options:
            return "values", options[-2:]
        issue = engine.knowledge.pick("issues:issue")
        return "values", [issue] if issue is not None else None
    schema = index.resolve(fields.get("value", {}))
    if options:
        return "value", options[-1]
    return "value", plain_value(schema, 3, engine.stamp)


@udfs.handles("udfs")
def udfs_read_back(engine: Engine, step: Step) -> list[FailureRecord]:
    create, get = engine.ref(step), engine.conventions.operation(GET)
    if get is None:
        raise Unchecked(f"{GET} is not in the document")
    listed = engine.request("GET", "/Issues/Udfs")
    definitions = (json_or_none(listed.content) or {}).get("values")
    if listed.status_code != 200 or not isinstance(definitions, Mapping):
        raise Unchecked(f"{DEFINITIONS} answered {listed.status_code}")
    sent: dict[str, list[dict[str, Any]]] = {}
    expected: list[tuple[str, Any, dict[Any, Any], Any]] = []  # (read key, udf iid, names, value)
    for key, (create_key, read_key) in udf_kinds(engine).items():
        first = next(iter(definitions.get(key) or []), None)
        if not isinstance(first, Mapping) or first.get("iid") is None:
            continue
        field, value = _value(engine, create_key, first)
        if value is None:
            continue
        sent[create_key] = [{"udfId": first["iid"], field: value}]
        expected.append((read_key, first["iid"], option_names(first), value))
    if not expected:
        raise Unchecked("the site defines no issue UDF the run can give a value")
    body = {**required_body(engine, create), "udfs": sent}
    created = engine.request("POST", create.path, json=body)
    engine.recorder.ran_check(CHECK)
    answer = json_or_none(created.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    if not 200 <= created.status_code < 300 or not isinstance(values, Mapping):
        return []  # create_minimal and the positive case judge a refused create
    engine.knowledge.learn(create, answer)
    read = engine.request("GET", concrete(get.path, {get.params[0]: values.get("iid")}))
    stored = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    shown = stored.get("udfs") if isinstance(stored, Mapping) else None
    if not isinstance(shown, Mapping):
        return []  # write_persisted reports a record that cannot be read back
    problems = [
        f"{read_key} UDF {iid}: sent {value!r}, read back {got!r}"
        for read_key, iid, names, value in expected
        if not same_udf_value(value, got := read_value(shown.get(read_key), iid), names)
    ]
    if not problems:
        return []
    return [
        engine.failure(
            create,
            read,
            CHECK,
            "A user-defined field sent in a create is not what reading the issue gives back",
            f"{create.label} with a UDF of every kind answered {created.status_code}; "
            f"{get.label} (iid {values.get('iid')}): " + "; ".join(problems[:5]),
        )
    ]


def read_value(items: Any, iid: Any) -> Any:
    for item in items or []:
        if isinstance(item, Mapping) and iid in (item.get("udfIid"), item.get("udfId")):
            return item.get("value", item.get("values"))
    return None


def option_names(definition: Mapping[str, Any]) -> dict[Any, Any]:
    """A list definition's options: iid -> the text a reference to it is named by."""
    options = definition.get("options") or []
    return {o.get("iid"): o.get("displayText") for o in options if isinstance(o, Mapping)}


def same_udf_value(sent: Any, stored: Any, names: Mapping[Any, Any] | None = None) -> bool:
    """List options read back as ``{iid, name}`` (``names``: an option's name is its
    ``displayText``, so a site that resolves the wrong option shows); dates by their day;
    numbers by value."""
    if isinstance(sent, list):
        got = stored if isinstance(stored, list) else []
        same = sorted(map(str, sent)) == sorted(str(_iid(g)) for g in got)
        return same and all(_named(g, names) for g in got)
    if isinstance(stored, Mapping):
        return same_value(sent, stored.get("iid")) and _named(stored, names)
    if isinstance(sent, str) and isinstance(stored, str) and len(sent) == 10:
        return sent == stored[:10]
    return same_value(sent, stored)


def _named(reference: Any, names: Mapping[Any, Any] | None) -> bool:
    if not names or not isinstance(reference, Mapping) or reference.get("name") is None:
        return True
    return reference.get("iid") not in names or reference["name"] == names[reference["iid"]]


def _iid(value: Any) -> Any:
    return value.get("iid") if isinstance(value, Mapping) else value
