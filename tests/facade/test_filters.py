from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from issuetrak import filters as f
from issuetrak._facade_errors import ArityError, UnknownFieldError, UsageError
from issuetrak._filter_rules import ARITY, arity, criteria_fields, field_model, shape
from issuetrak._models import field_is_list, field_names, resolve_model
from issuetrak_tools.spec import load_document

DOC = load_document()


# Entities whose search filter the issue asks for, plus a few plain ones.
def _search_bodies() -> list[str]:
    """The body model of every search operation in the generated package."""
    from issuetrak_tools import _describe as _catalog

    names = set()
    for tag in _catalog.tags():
        for op in _catalog.operation_names(tag):
            spec = _catalog.load(tag, op)
            if op.startswith("search") and spec.body_cls is not None and not spec.body_is_list:
                names.add(spec.body_cls.__name__)
    return sorted(names)


FILTERS = _search_bodies()


# -- a JSON Schema validator for the document's own filter schemas ------------------------------
def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` becomes a null alternative."""
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _to_json_schema(v)
        for k, v in node.items()
        if k not in ("nullable", "example", "readOnly")
    }
    if node.get("nullable"):
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        elif "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


_COMPONENTS = _to_json_schema(DOC["components"])
_NAIVE_OR_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_checker = jsonschema.FormatChecker()


@_checker.checks("date-time")
def _date_time(value: object) -> bool:
    # RFC 3339, or without an offset: the document's own convention for site-local times
    return not isinstance(value, str) or bool(_NAIVE_OR_RFC3339.match(value))


@_checker.checks("date")
def _date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def validate(schema_name: str, instance: Any) -> None:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": _COMPONENTS}
    jsonschema.Draft202012Validator(root, format_checker=_checker).validate(instance)


# -- strategies: any valid builder call for a filter model --------------------------------------
def _values_for(kind: str | None, enum_cls: type | None) -> st.SearchStrategy[Any]:
    if enum_cls is not None:
        return st.sampled_from([m.value for m in enum_cls])  # type: ignore[attr-defined]
    if kind is None:  # Boolean criteria carry no values at all
        return st.just("x")
    return {
        "str": st.text(max_size=12),
        "int": st.integers(-(2**31), 2**31 - 1),
        "float": st.floats(allow_nan=False, allow_infinity=False, width=32),
        "datetime": st.one_of(
            st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
            st.datetimes(
                min_value=dt.datetime(1990, 1, 1),
                max_value=dt.datetime(2100, 1, 1),
                timezones=st.just(dt.UTC),
            ),
        ),
        "date": st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
        "UUID": st.uuids(),
    }[str(kind)]


@st.composite
def criterion_for(draw: st.DrawFn, cls: type) -> Any:
    s = shape(cls)
    if not s.leaf:  # entity criteria: criteria on its leaf fields, maybe a collection type
        subs = [n for n in field_names(cls) if n != "type_" and shape(field_model(cls, n)).leaf]
        chosen = draw(st.lists(st.sampled_from(subs), min_size=1, max_size=2, unique=True))
        crits = {n: draw(criterion_for(field_model(cls, n))) for n in chosen}
        if s.match_enum is not None and draw(st.booleans()):
            return f.Entity(crits, draw(st.sampled_from(s.allowed)))
        return f.Entity(crits)
    match_type = draw(st.sampled_from(s.allowed))
    low, high = arity(match_type)
    count = draw(st.integers(low, high if high is not None else low + 2))
    values = [draw(_values_for(s.values_type, s.values_enum())) for _ in range(count)]
    return f.match(match_type, *values)


def _leafy_fields(cls: type) -> list[str]:
    """Fields holding one criteria model (not UDFs, not nested filters, not plain options)."""
    return [
        n
        for n in criteria_fields(cls)
        if n != "udfs" and field_model(cls, n) is not None and not field_is_list(cls, n)
    ]


@st.composite
def udf_for(draw: st.DrawFn, filter_cls: type) -> f.Udf:
    udf_cls = field_model(filter_cls, "udfs")
    kind = draw(st.sampled_from(field_names(udf_cls)))
    item_cls = field_model(udf_cls, kind)
    crit_field = next(n for n in field_names(item_cls) if n not in ("iid", "id"))
    crit = draw(criterion_for(field_model(item_cls, crit_field)))
    return f.udf(kind, draw(st.integers(1, 10_000)), crit)


@st.composite
def where_for(draw: st.DrawFn, cls: type, depth: int = 0) -> f.Where:
    fields = _leafy_fields(cls)
    chosen = draw(st.lists(st.sampled_from(fields), max_size=4, unique=True))
    criteria: dict[str, Any] = {n: draw(criterion_for(field_model(cls, n))) for n in chosen}
    names = field_names(cls)
    if "negate_all" in names and draw(st.booleans()):
        criteria["negate_all"] = draw(st.booleans())
    if "query_operator" in names and draw(st.booleans()):
        criteria["query_operator"] = draw(st.sampled_from(["And", "Or", "or"]))
    if "nested_filters" in names and depth < 2 and draw(st.booleans()):
        criteria["nested_filters"] = draw(
            st.lists(where_for(cls, depth + 1), min_size=1, max_size=2)
        )
    udfs = draw(st.lists(udf_for(cls), max_size=2)) if "udfs" in names else []
    return f.where(*udfs, **criteria)


def _criteria_cls(outer: type) -> type:
    return field_model(outer, "filter_") if "filter_" in field_names(outer) else outer


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(FILTERS))
def test_any_valid_builder_call_serialises_to_json_the_document_accepts(
    data: st.DataObject, name: str
) -> None:
    outer = resolve_model(name)
    built = data.draw(where_for(_criteria_cls(outer)))
    options = (
        {"page_size": data.draw(st.integers(1, 100))} if "page_size" in field_names(outer) else {}
    )
    body = built.build(outer, **options)
    validate(name, body.to_dict())


@settings(max_examples=120, deadline=None)
@given(data=st.data(), name=st.sampled_from(FILTERS))
def test_any_invalid_value_count_is_rejected_naming_the_field(
    data: st.DataObject, name: str
) -> None:
    cls = _criteria_cls(resolve_model(name))
    leaf_fields = [n for n in _leafy_fields(cls) if shape(field_model(cls, n)).leaf]
    field = data.draw(st.sampled_from(leaf_fields))
    s = shape(field_model(cls, field))
    match_type = data.draw(st.sampled_from([m for m in s.allowed if m in ARITY]))
    low, high = arity(match_type)
    wrong = [n for n in range(0, 5) if n < low or (high is not None and n > high)]
    count = data.draw(st.sampled_from(wrong))
    values = [data.draw(_values_for(s.values_type, s.values_enum())) for _ in range(count)]
    with pytest.raises(ArityError, match=rf"\.{field}: {match_type} takes"):
        f.where(**{field: f.match(match_type, *values)}).build(resolve_model(name))


# -- the rules come from the document -----------------------------------------------------------
def test_allowed_match_types_per_criteria_kind_are_the_documents_enums() -> None:
    schemas = DOC["components"]["schemas"]
    for kind in ["String", "Int", "Float", "Boolean", "DateTime", "DateOnly", "Guid"]:
        allowed = shape(resolve_model(f"{kind}Criteria")).allowed
        assert sorted(allowed) == sorted(schemas[f"{kind}MatchType"]["enum"])
    assert sorted(shape(resolve_model("TimeZoneCriteria")).allowed) == sorted(
        schemas["EnumMatchType"]["enum"]
    )
    assert sorted(shape(resolve_model("MultiSelectCriteria")).allowed) == sorted(
        schemas["CollectionMatchType"]["enum"]
    )


def test_arity_table_agrees_with_the_requirements_the_document_states() -> None:
    words = {"one": 1, "1": 1, "2": 2, "two": 2}
    checked = 0
    for name, schema in DOC["components"]["schemas"].items():
        if not name.endswith("MatchType"):
            continue
        for line in schema.get("description", "").splitlines():
            m = re.match(
                r"\|\s*(\w+)\s*\|\s*`values` (contains exactly (\w+) items?|contains at least one item|is empty)\s*\|",
                line,
            )
            if not m:
                continue
            expected = (words[m[3]],) * 2 if m[3] else (1, None) if "at least" in m[2] else (0, 0)
            assert arity(m[1]) == expected, (name, m[1])
            checked += 1
    assert checked > 30


def test_every_match_type_in_the_document_has_a_known_arity() -> None:
    for name, schema in DOC["components"]["schemas"].items():
        if name.endswith("MatchType") and name != "CollectionMatchType":
            assert set(schema["enum"]) <= set(ARITY), name


# -- examples a user would write ----------------------------------------------------------------
def test_the_issue_example_builds_the_expected_user_filter() -> None:
    body = f.where(first_name=f.match_any("Susan", "John"), is_active=f.is_true()).to_dict(
        resolve_model("UserFilter")
    )
    assert body == {
        "firstName": {"type": "MatchAny", "values": ["Susan", "John"]},
        "isActive": {"type": "IsTrue"},
    }


def test_issue_filters_nest_with_operators_and_negation() -> None:
    a = f.where(subject=f.contains("printer"))
    b = f.where(is_open=f.is_true())
    body = (~(a | b)).to_dict(
        resolve_model("AdvancedIssueFilter"), include_properties={"includeUdfs": True}
    )
    assert body["filter"] == {
        "nestedFilters": [
            {"subject": {"type": "Contains", "values": ["printer"]}},
            {"isOpen": {"type": "IsTrue"}},
        ],
        "queryOperator": "Or",
        "negateAll": True,
    }
    assert body["includeProperties"] == {"includeUdfs": True}


def test_dates_and_date_times_are_serialised_as_the_document_describes() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    body = f.where(
        f.udf("date", 5, f.on(dt.date(2024, 2, 29))),
        submitted_date=f.between(
            dt.datetime(2024, 1, 1, 9, 0, tzinfo=eastern), dt.datetime(2024, 1, 2, 8, 30)
        ),
    )
    wire = body.to_dict(resolve_model("IssueFilter"))
    assert wire["submittedDate"]["values"] == ["2024-01-01T14:00:00Z", "2024-01-02T08:30:00"]
    assert wire["udfs"] == {
        "date": [{"id": 5, "filter": {"type": "On", "values": ["2024-02-29T00:00:00"]}}]
    }
    users = f.where(f.udf("date_fields", 3, f.after(dt.date(2024, 5, 1)))).to_dict(
        resolve_model("UserFilter")
    )
    assert users["udfs"] == {
        "dateFields": [{"iid": 3, "criteria": {"type": "After", "values": ["2024-05-01"]}}]
    }


def test_a_datetime_is_refused_where_the_document_wants_a_date() -> None:
    with pytest.raises(UsageError, match=r"udfs.date_fields\[3\]: expected a date"):
        f.where(f.udf("date_fields", 3, f.on(dt.datetime(2024, 5, 1, 12)))).to_dict(
            resolve_model("UserFilter")
        )


def test_udf_criteria_work_for_users_organizations_locations_and_issues() -> None:
    for name, kind in [
        ("UserFilter", "text"),
        ("OrganizationFilter", "text"),
        ("LocationFilter", "text"),
        ("IssueFilter", "text"),
    ]:
        wire = f.where(f.udf(kind, 4, f.contains("VIP"))).to_dict(resolve_model(name))
        assert wire["udfs"], name
    with pytest.raises(UsageError, match="no user-defined-field criteria"):
        f.where(f.udf("text", 4, f.contains("x"))).to_dict(resolve_model("PriorityFilter"))


def test_unknown_field_error_lists_the_entitys_fields() -> None:
    with pytest.raises(UnknownFieldError) as caught:
        f.where(shoe_size=f.match_any(9)).to_dict(resolve_model("UserFilter"))
    assert "shoe_size" in str(caught.value)
    assert {"first_name", "email", "is_active"} <= set(caught.value.valid)


@pytest.mark.parametrize(
    ("criterion", "message"),
    [
        (f.contains("a", "b"), r"first_name: Contains takes exactly 1 value, got 2"),
        (f.match_any(), r"first_name: MatchAny takes at least 1 value, got 0"),
        (f.match("IsBlank", "x"), r"first_name: IsBlank takes no values, got 1"),
        (f.is_true(), r"first_name: IsTrue is not a match type of String criteria"),
        (f.match_any(1), r"first_name: expected a string"),
    ],
)
def test_bad_criteria_are_refused_before_sending_with_the_field_named(
    criterion: f.Criterion, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        f.where(first_name=criterion).to_dict(resolve_model("UserFilter"))


def test_between_picks_the_range_match_type_of_the_kind() -> None:
    cls = resolve_model("IssueFilter")
    wire = f.where(
        iid=f.between(1, 9), closed_date=f.between(dt.date(2024, 1, 1), dt.date(2024, 2, 1))
    ).to_dict(cls)
    assert wire["iid"]["type"] == "RangeInclusive"
    assert wire["closedDate"]["type"] == "CustomRange"
    with pytest.raises(ArityError, match="iid: RangeInclusive takes exactly 2 values, got 3"):
        f.where(iid=f.between(1, 2, 3)).to_dict(cls)


def test_related_entities_need_entity_criteria() -> None:
    cls = resolve_model("IssueFilter")
    with pytest.raises(UsageError, match="assigned_to_user is a related entity; use entity"):
        f.where(assigned_to_user=f.match_any(3)).to_dict(cls)
    wire = f.where(assets=f.any_entity(iid=f.match_any(3))).to_dict(cls)
    assert wire["assets"] == {
        "iid": {"type": "MatchAny", "values": [3]},
        "type": "CollectionContainsAtLeastOneMatchingEntity",
    }


def test_guid_and_enum_values_are_checked() -> None:
    cls = resolve_model("UserFilter")
    some = uuid.UUID(int=5)
    assert f.where(issue_hub_view_iid=f.match_any(str(some))).to_dict(cls)["issueHubViewIid"][
        "values"
    ] == [str(some)]
    with pytest.raises(UsageError, match="issue_hub_view_iid: expected a UUID"):
        f.where(issue_hub_view_iid=f.match_any("nope")).to_dict(cls)
    with pytest.raises(UsageError, match="time_zone: 'Mars' is not one of"):
        f.where(time_zone=f.match_any("Mars")).to_dict(cls)


def test_validator_rejects_a_broken_filter_so_the_property_test_can_fail() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate("UserFilter", {"firstName": {"type": "IsTrue"}})
    with pytest.raises(jsonschema.ValidationError):
        validate("UserFilter", {"lastLogin": {"type": "On", "values": ["yesterday"]}})
    assert copy.deepcopy(_COMPONENTS) == _COMPONENTS
