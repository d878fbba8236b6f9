from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from issuetrak_tools._evolution import Change, diff_documents, rules_markdown, to_markdown
from issuetrak_tools._evolution.rules import FIXED_RULES, SCHEMA_RULES
from issuetrak_tools.cli import spec_diff
from issuetrak_tools.spec import load_document, load_overrides

REALWORLD = Path(__file__).resolve().parents[3] / "shared" / "realworld-specs"
if not REALWORLD.is_dir():  # a checkout that is not beside shared/
    REALWORLD = Path("/work/shared/realworld-specs")

Key = tuple[str, str, str, str, bool]


def keys(changes: list[Change]) -> set[Key]:
    return {c.key() for c in changes}


def edited_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    """Two documents derived from the pinned one by known edits (old side: one operation fewer)."""
    old = load_document()
    del old["paths"]["/TaskGroups"]["get"]
    new = load_document()
    schemas = new["components"]["schemas"]
    del new["paths"]["/TaskGroups"]  # keeps GET /TaskGroups out of old only
    new["paths"]["/TaskGroups"] = copy.deepcopy(load_document()["paths"]["/TaskGroups"])
    # remove an operation
    del new["paths"]["/Groups/{iid}/Memberships/Organizations"]["delete"]
    # add a required query parameter
    new["paths"]["/Causes"]["get"]["parameters"].append(
        {
            "name": "Since",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "format": "date-time"},
        }
    )
    # change a property type (Cause is only returned)
    schemas["Cause"]["properties"]["name"]["type"] = "integer"
    # nullable and format changes on a returned property
    schemas["Cause"]["properties"]["modifiedDate"]["nullable"] = False
    schemas["Cause"]["properties"]["createdDate"]["format"] = "date"
    # add enum values: SortDirection is only sent, TaskType is sent and returned
    schemas["SortDirection"]["enum"].append("Random")
    schemas["TaskType"]["enum"].append("Approval")
    # make properties required: CreateCause is sent, IssueTask is returned
    schemas["CreateCause"]["required"].append("displayOrder")
    schemas["IssueTask"].setdefault("required", []).append("note")
    # remove a response property
    del schemas["Cause"]["properties"]["displayOrder"]
    schemas["Cause"]["required"].remove("displayOrder")
    # change security: a new scheme replaces the API key on one operation; the key moves to another header
    new["components"]["securitySchemes"]["Bearer"] = {"type": "http", "scheme": "bearer"}
    new["paths"]["/Causes"]["get"]["security"] = [{"Bearer": []}]
    new["components"]["securitySchemes"]["ApiToken"]["name"] = "X-Issuetrak-Key"
    return old, new


EXPECTED: set[Key] = {
    ("wire", "operation-added", "GET /TaskGroups", "", False),
    ("surface", "function-added", "issuetrak_client.api.task_groups.get_task_groups", "", False),
    ("wire", "operation-removed", "DELETE /Groups/{iid}/Memberships/Organizations", "", True),
    (
        "surface",
        "function-removed",
        "issuetrak_client.api.groups_organizations_membership.remove_group_organization_memberships",
        "",
        True,
    ),
    ("wire", "required-parameter-added", "GET /Causes query:Since", "", True),
    (
        "surface",
        "required-argument-added",
        "issuetrak_client.api.causes.get_causes(since=)",
        "",
        True,
    ),
    ("wire", "type-changed", "Cause.name", "string -> integer", True),
    ("wire", "became-non-nullable", "Cause.modifiedDate", "true -> false", False),
    ("wire", "format-changed", "Cause.createdDate", "date-time -> date", True),
    ("wire", "enum-value-added", "SortDirection", "Random", False),
    ("wire", "enum-value-added", "TaskType", "Approval", True),
    ("wire", "property-became-required", "CreateCause.displayOrder", "", True),
    ("wire", "property-became-required", "IssueTask.note", "", False),
    ("wire", "property-removed", "Cause.displayOrder", "", True),
    ("surface", "field-removed", "issuetrak_client.models.Cause.display_order", "", True),
    (
        "surface",
        "field-became-non-nullable",
        "issuetrak_client.models.Cause.modified_date",
        "str(date-time) | None -> str(date-time)",
        False,
    ),
    # what breaks code written against the generated package
    ("surface", "field-type-changed", "issuetrak_client.models.Cause.name", "str -> int", True),
    (
        "surface",
        "field-type-changed",
        "issuetrak_client.models.Cause.created_date",
        "datetime.datetime -> datetime.date",
        True,
    ),
    (
        "surface",
        "field-became-required",
        "issuetrak_client.models.CreateCause.display_order",
        "",
        True,
    ),
    ("surface", "field-became-required", "issuetrak_client.models.IssueTask.note", "", True),
    ("surface", "enum-member-added", "issuetrak_client.models.SortDirection", "Random", True),
    ("surface", "enum-member-added", "issuetrak_client.models.TaskType", "Approval", True),
    ("wire", "security-scheme-added", "securitySchemes.Bearer", "Bearer", False),
    ("wire", "security-scheme-changed", "securitySchemes.ApiToken", "name", True),
    ("wire", "security-alternative-removed", "GET /Causes security", "ApiToken", True),
    ("wire", "security-alternative-added", "GET /Causes security", "Bearer", False),
}


def test_known_edits_give_exactly_the_expected_changelog() -> None:
    old, new = edited_pair()
    changelog = diff_documents(old, new)
    assert keys(changelog.changes) == EXPECTED
    assert changelog.has_breaking


def test_schema_changes_name_the_direction_that_decided_them() -> None:
    old, new = edited_pair()
    by_key = {(c.kind, c.location): c.direction for c in diff_documents(old, new).changes}
    assert by_key[("enum-value-added", "SortDirection")] == "request"
    assert by_key[("enum-value-added", "TaskType")] == "request+response"
    assert by_key[("property-removed", "Cause.displayOrder")] == "response"


def test_schema_changes_name_the_operations_that_use_the_schema() -> None:
    old, new = edited_pair()
    users = {(c.kind, c.location): c.operations for c in diff_documents(old, new).changes}
    assert users[("type-changed", "Cause.name")] == (
        "GET /Causes",
        "POST /Causes",
        "POST /Causes/Search",
        "GET /Causes/{iid}",
        "PUT /Causes/{iid}",
    )
    assert users[("property-became-required", "CreateCause.displayOrder")] == ("POST /Causes",)
    assert users[("operation-removed", "DELETE /Groups/{iid}/Memberships/Organizations")] == ()


def test_reversed_edits_swap_added_and_removed() -> None:
    old, new = edited_pair()
    reverse = keys(diff_documents(new, old).changes)
    assert (
        "wire",
        "operation-added",
        "DELETE /Groups/{iid}/Memberships/Organizations",
        "",
        False,
    ) in reverse
    assert (
        "wire",
        "enum-value-removed",
        "SortDirection",
        "Random",
        True,
    ) in reverse  # clients may still send it
    assert ("wire", "enum-value-removed", "TaskType", "Approval", True) in reverse
    assert ("wire", "property-became-optional", "IssueTask.note", "", True) in reverse
    assert ("wire", "parameter-removed", "GET /Causes query:Since", "", True) in reverse
    assert (
        "wire",
        "required-property-added",
        "Cause.displayOrder",
        "",
        False,
    ) in reverse  # only returned
    assert (
        "surface",
        "required-field-added",
        "issuetrak_client.models.Cause.display_order",
        "",
        True,
    ) in reverse


def test_pinned_document_against_itself_has_no_changes() -> None:
    assert diff_documents(load_document(), load_document()).changes == []


def test_the_pinned_overrides_show_up_where_they_patch() -> None:
    changes = diff_documents(load_document(patched=False), load_document()).changes
    overrides = load_overrides()
    added_429 = set()
    patched_schemas = set()
    for op in overrides:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        if parts[0] == "paths" and parts[3:] == ["responses", "429"]:
            added_429.add(f"{parts[2].upper()} {parts[1]} 429")
        elif parts[:2] == ["components", "schemas"]:
            patched_schemas.add(parts[2])
    assert added_429 and added_429 == {c.location for c in changes if c.kind == "response-added"}
    others = [c for c in changes if c.kind != "response-added"]
    # a wire change names the schema (Cause.name), a surface change the class (...models.Cause.name)
    assert all(
        c.location.split(".")[2 if c.area == "surface" else 0] in patched_schemas for c in others
    ), others


def test_cyclic_schemas_renamed_on_one_side_are_compared_without_looping() -> None:
    def doc(name: str, child_type: str) -> dict[str, Any]:
        node = {
            "type": "object",
            "properties": {
                "value": {"type": child_type},
                "children": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                "parent": {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "nullable": True},
            },
        }
        response = {
            "200": {
                "description": "ok",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            }
        }
        return {
            "openapi": "3.0.1",
            "paths": {"/Tree": {"get": {"operationId": "GetTree", "responses": response}}},
            "components": {"schemas": {name: node}},
        }

    changes = diff_documents(doc("Node", "string"), doc("TreeNode", "integer")).changes
    assert keys(changes) == {
        ("wire", "reference-changed", "GET /Tree 200 application/json", "Node -> TreeNode", False),
        ("wire", "type-changed", "GET /Tree 200 application/json.value", "string -> integer", True),
        ("surface", "model-removed", "issuetrak_client.models.Node", "", True),
        ("surface", "model-added", "issuetrak_client.models.TreeNode", "", False),
    }


@pytest.mark.parametrize(
    "name", ["prowlarr", "ignacheck", "apicomercial", "bclogia-bridge", "ignacheck-webapi"]
)
def test_realworld_documents_diff_against_themselves_and_the_pin_without_errors(name: str) -> None:
    document = json.loads((REALWORLD / f"{name}.json").read_text(encoding="utf-8"))
    assert diff_documents(document, copy.deepcopy(document)).changes == []
    across = diff_documents(load_document(), document)
    assert any(c.kind == "operation-removed" for c in across.changes)
    assert to_markdown(across).startswith("# API changes")


def test_realworld_edited_copy_reports_the_edits() -> None:
    old = json.loads((REALWORLD / "prowlarr.json").read_text(encoding="utf-8"))
    new = copy.deepcopy(old)
    path, item = next((p, i) for p, i in new["paths"].items() if "get" in i)
    del item["get"]
    name, schema = next(
        (n, s) for n, s in new["components"]["schemas"].items() if isinstance(s.get("enum"), list)
    )
    schema["enum"].append("SomethingNew")
    found = keys(diff_documents(old, new).changes)
    assert ("wire", "operation-removed", f"GET {path}", "", True) in found
    assert any(
        k[1] == "enum-value-added" and k[2] == name and k[3] == "SomethingNew" for k in found
    )


def test_every_rule_is_documented_in_the_rule_table() -> None:
    table = rules_markdown()
    for kind in [*SCHEMA_RULES, *FIXED_RULES]:
        assert f"`{kind}`" in table


def test_cli_writes_json_and_fails_on_breaking_only_when_asked(tmp_path: Path) -> None:
    old, new = edited_pair()
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    out = tmp_path / "changes.json"
    argv = [
        str(tmp_path / "old.json"),
        str(tmp_path / "new.json"),
        "--format",
        "json",
        "--output",
        str(out),
    ]
    assert spec_diff.main(argv) == 0
    report = json.loads(out.read_text())
    assert report["summary"]["breaking"] == sum(1 for k in EXPECTED if k[4])
    assert {(c["kind"], c["location"]) for c in report["changes"]} == {
        (k[1], k[2]) for k in EXPECTED
    }
    assert spec_diff.main([*argv, "--fail-on-breaking"]) == 1


def test_cli_markdown_for_a_label_against_itself_says_no_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert spec_diff.main(["cloud-2026.07", "cloud-2026.07", "--fail-on-breaking"]) == 0
    assert "No changes." in capsys.readouterr().out


def test_cli_markdown_lists_breaking_changes_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, new = edited_pair()
    (tmp_path / "new.json").write_text(json.dumps(new))
    assert spec_diff.main(["cloud-2026.07", str(tmp_path / "new.json")]) == 0
    text = capsys.readouterr().out
    assert text.index("## Breaking changes on the wire") < text.index(
        "## Non-breaking changes on the wire"
    )
    assert "`GET /Causes query:Since`" in text


def test_cli_names_an_unknown_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert spec_diff.main(["no-such-label", "cloud-2026.07"]) == 2
    assert "'no-such-label' is neither a file nor a usable pinned label" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{not json")
    assert spec_diff.main([str(tmp_path / "broken.json"), "cloud-2026.07"]) == 2
    assert "not a readable OpenAPI JSON document" in capsys.readouterr().err


def test_derived_surface_matches_the_generated_package() -> None:
    inspect = pytest.importorskip("inspect")
    attrs = pytest.importorskip("attrs")
    models = pytest.importorskip(
        "issuetrak_client.models", reason="generated/ not built (make regen)"
    )
    import importlib

    from issuetrak_tools._evolution.surface import derive_surface

    surface = derive_surface(load_document())
    for module_name, arguments in surface.functions.items():
        # the surface names modules as under the default label's package
        from issuetrak._versions import default_version

        real = module_name.replace("issuetrak_client.", f"{default_version().package}.", 1)
        signature = inspect.signature(importlib.import_module(real).sync_detailed)
        actual = {
            n: p.default is inspect.Parameter.empty
            for n, p in signature.parameters.items()
            if n != "client"
        }
        assert actual == arguments, module_name
    for qualified, fields in surface.models.items():
        cls = getattr(models, qualified.rsplit(".", 1)[1])
        if fields:
            actual = {
                a.name: a.default is attrs.NOTHING
                for a in attrs.fields(cls)
                if a.name != "additional_properties"
            }
            assert actual == fields, qualified
    assert len(surface.functions) == 127


def widgets_document() -> dict[str, Any]:
    widget = {"$ref": "#/components/schemas/Widget"}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": widget}}}}
    search_body = {
        "type": "object",
        "properties": {"pageSize": {"type": "integer"}},
        "additionalProperties": False,
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "widgets", "version": "1"},
        "paths": {
            "/Widgets": {
                "get": {
                    "operationId": "GetWidgets",
                    "parameters": [
                        {"name": "PageSize", "in": "query", "schema": {"type": "integer"}}
                    ],
                    "responses": copy.deepcopy(ok),
                }
            },
            "/Widgets/Search": {
                "post": {
                    "operationId": "SearchWidgets",
                    "requestBody": {"content": {"application/json": {"schema": search_body}}},
                    "responses": ok,
                }
            },
        },
        "components": {
            "schemas": {
                "Widget": {
                    "type": "object",
                    "required": ["iid"],
                    "properties": {"iid": {"type": "integer"}, "name": {"type": "string"}},
                    "additionalProperties": False,
                }
            }
        },
    }


def test_generated_surface_matches_the_derived_one_and_also_sees_inline_classes() -> None:
    pytest.importorskip("openapi_python_client")
    old, new = widgets_document(), widgets_document()
    new["components"]["schemas"]["Widget"]["properties"]["colour"] = {"type": "string"}
    new["paths"]["/Widgets/Search"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]["pageNumber"] = {"type": "integer"}
    new["paths"]["/Widgets"]["get"]["parameters"].append(
        {"name": "SortField", "in": "query", "schema": {"type": "string"}}
    )
    expected_derived = {
        ("surface", "field-added", "issuetrak_client.models.Widget.colour", "", False),
        (
            "surface",
            "argument-added",
            "issuetrak_client.api.default.get_widgets(sort_field=)",
            "",
            False,
        ),
    }

    def surface(mode: str) -> set[Key]:
        return {
            k for k in keys(diff_documents(old, new, surface=mode).changes) if k[0] == "surface"
        }

    assert surface("derived") == expected_derived
    assert surface("generated") == expected_derived | {
        (
            "surface",
            "field-added",
            "issuetrak_client.models.SearchWidgetsBody.page_number",
            "",
            False,
        )
    }
    assert surface("none") == set()


def test_reading_the_generated_package_gives_the_derived_surface_plus_inline_classes() -> None:
    from issuetrak._versions import default_version
    from issuetrak_tools._evolution.generated import surface_of_package
    from issuetrak_tools._evolution.pytypes import INLINE
    from issuetrak_tools._evolution.surface import derive_surface
    from issuetrak_tools.spec import project_root

    ident = default_version().package.rsplit(".", 1)[1]
    package = project_root() / "generated" / "issuetrak_client" / ident
    if not (package / "__init__.py").is_file():
        pytest.skip("generated/ not built (make regen)")
    read, derived = surface_of_package(package), derive_surface(load_document())
    assert read.functions == derived.functions
    assert {k: v for k, v in read.models.items() if k in derived.models} == derived.models
    # every argument and field has the Python type the generator gave it, enums their members
    assert set(derived.types) <= set(read.types)
    mismatched = {
        k: (v, read.types[k])
        for k, v in derived.types.items()
        if v != read.types[k] and v != INLINE
    }
    assert mismatched == {}
    assert sum(v == INLINE for v in derived.types.values()) <= 2  # the multipart upload body
    assert {k: v for k, v in read.enums.items() if k in derived.enums} == derived.enums
    assert set(read.models) - set(derived.models) == {
        "issuetrak_client.models.UploadIssueAttachmentBody"
    }


def test_renaming_a_path_parameter_changes_only_the_python_keyword() -> None:
    old = load_document()
    new = load_document()
    new["paths"]["/Causes/{causeIid}"] = new["paths"].pop("/Causes/{iid}")
    for operation in new["paths"]["/Causes/{causeIid}"].values():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                parameter["name"] = "causeIid"
    # the URL is the same; only the generated functions' keyword changes
    assert keys(diff_documents(old, new).changes) == {
        ("surface", kind, f"issuetrak_client.api.causes.{function}({argument}=)", "", True)
        for function in ("get_cause", "update_cause")
        for kind, argument in (
            ("argument-removed", "iid"),
            ("required-argument-added", "cause_iid"),
        )
    }


Doc = dict[str, Any]


def _widget(doc: Doc) -> Doc:
    widget: Doc = doc["components"]["schemas"]["Widget"]
    return widget


def _search_body(doc: Doc) -> Doc:
    body: Doc = doc["paths"]["/Widgets/Search"]["post"]["requestBody"]
    return body


def _page_size(doc: Doc) -> Doc:
    param: Doc = doc["paths"]["/Widgets"]["get"]["parameters"][0]
    return param


def widen_response_integer(old: Doc, new: Doc) -> None:
    _widget(old)["properties"]["iid"]["format"] = "int32"
    _widget(new)["properties"]["iid"]["format"] = "int64"


def widen_query_integer(old: Doc, new: Doc) -> None:
    _page_size(old)["schema"]["format"] = "int32"
    _page_size(new)["schema"]["format"] = "int64"


def nullable_response_property(old: Doc, new: Doc) -> None:
    _widget(new)["properties"]["name"]["nullable"] = True


def nullable_request_property(old: Doc, new: Doc) -> None:
    schema = _search_body(new)["content"]["application/json"]["schema"]
    schema["properties"]["pageSize"]["nullable"] = True


def close_request_body(old: Doc, new: Doc) -> None:
    del _search_body(old)["content"]["application/json"]["schema"]["additionalProperties"]


def require_request_body(old: Doc, new: Doc) -> None:
    _search_body(new)["required"] = True


def add_request_media_type(old: Doc, new: Doc) -> None:
    content = _search_body(new)["content"]
    content["text/json"] = copy.deepcopy(content["application/json"])


def swap_success_for_error(old: Doc, new: Doc) -> None:
    responses = new["paths"]["/Widgets"]["get"]["responses"]
    del responses["200"]
    responses["404"] = {"description": "missing"}


def require_authentication(old: Doc, new: Doc) -> None:
    new["components"]["securitySchemes"] = {
        "Key": {"type": "apiKey", "in": "header", "name": "X-Key"}
    }
    new["paths"]["/Widgets"]["get"]["security"] = [{"Key": []}]


def drop_query_enum_value(old: Doc, new: Doc) -> None:
    _page_size(old)["schema"]["enum"] = [5, 10]
    _page_size(new)["schema"]["enum"] = [5]


def require_query_parameter(old: Doc, new: Doc) -> None:
    _page_size(new)["required"] = True


RULE_CASES: list[tuple[Callable[[Doc, Doc], None], set[Key]]] = [
    (
        widen_response_integer,
        {
            ("wire", "format-widened", "Widget.iid", "int32 -> int64", True),
            (
                "surface",
                "field-format-changed",
                "issuetrak_client.models.Widget.iid",
                "int(int32) -> int(int64)",
                False,
            ),
        },
    ),
    (
        widen_query_integer,
        {
            ("wire", "format-widened", "GET /Widgets query:PageSize", "int32 -> int64", False),
            (
                "surface",
                "argument-format-changed",
                "issuetrak_client.api.default.get_widgets(page_size=)",
                "int(int32) -> int(int64)",
                False,
            ),
        },
    ),
    (
        nullable_response_property,
        {
            ("wire", "became-nullable", "Widget.name", "false -> true", True),
            (
                "surface",
                "field-became-nullable",
                "issuetrak_client.models.Widget.name",
                "str -> str | None",
                True,
            ),
        },
    ),
    (
        nullable_request_property,
        {
            (
                "wire",
                "became-nullable",
                "POST /Widgets/Search request application/json.pageSize",
                "false -> true",
                False,
            )
        },
    ),
    (
        close_request_body,
        {
            (
                "wire",
                "additional-properties-closed",
                "POST /Widgets/Search request application/json",
                "",
                True,
            )
        },
    ),
    (
        require_request_body,
        {
            ("wire", "request-body-became-required", "POST /Widgets/Search request", "", True),
            (
                "surface",
                "argument-became-required",
                "issuetrak_client.api.default.search_widgets(body=)",
                "",
                True,
            ),
        },
    ),
    (
        add_request_media_type,
        {
            (
                "wire",
                "request-media-type-added",
                "POST /Widgets/Search request text/json",
                "text/json",
                False,
            )
        },
    ),
    (
        swap_success_for_error,
        {
            ("wire", "success-response-removed", "GET /Widgets 200", "200", True),
            ("wire", "response-added", "GET /Widgets 404", "404", False),
        },
    ),
    (
        require_authentication,
        {
            ("wire", "security-requirement-added", "GET /Widgets security", "Key", True),
            ("wire", "security-scheme-added", "securitySchemes.Key", "Key", False),
        },
    ),
    (
        drop_query_enum_value,
        {
            ("wire", "enum-value-removed", "GET /Widgets query:PageSize", "10", True),
            (
                "surface",
                "enum-member-removed",
                "issuetrak_client.api.default.get_widgets(page_size=)",
                "10",
                True,
            ),
        },
    ),
    (
        require_query_parameter,
        {
            ("wire", "parameter-became-required", "GET /Widgets query:PageSize", "", True),
            (
                "surface",
                "argument-became-required",
                "issuetrak_client.api.default.get_widgets(page_size=)",
                "",
                True,
            ),
        },
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), RULE_CASES, ids=[edit.__name__ for edit, _ in RULE_CASES]
)
def test_each_rule_classifies_by_direction(
    edit: Callable[[Doc, Doc], None], expected: set[Key]
) -> None:
    old, new = widgets_document(), widgets_document()
    edit(old, new)
    assert keys(diff_documents(old, new).changes) == expected


def test_a_label_and_the_file_it_pins_are_compared_like_with_like(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from issuetrak_tools.spec import locate_document

    vendor_file = str(locate_document("cloud-2026.07"))
    for argv in (
        ["cloud-2026.07", vendor_file],
        [vendor_file, "cloud-2026.07"],
        ["cloud-2026.07", vendor_file, "--unpatched"],
    ):
        assert spec_diff.main([*argv, "--fail-on-breaking", "--format", "json"]) == 0, argv
        out, err = capsys.readouterr()
        assert json.loads(out)["changes"] == [], argv
        if "--unpatched" not in argv:
            # the file got the label's overrides, each of which applies
            assert "129 override(s) from cloud-2026.07's overrides: 129 kept" in err


def test_a_file_that_lost_a_patched_operation_gets_the_other_overrides_and_names_the_lost_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = load_document(patched=False)
    del raw["paths"]["/Causes/{iid}"]["put"]
    (tmp_path / "next.json").write_text(json.dumps(raw))
    assert spec_diff.main(["cloud-2026.07", str(tmp_path / "next.json"), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    changes = json.loads(out)["changes"]
    wire = {(c["kind"], c["location"]) for c in changes if c["area"] == "wire"}
    assert wire == {("operation-removed", "PUT /Causes/{iid}")}, wire
    assert "128 kept, 1 vanished" in err
    lost = "/paths/~1Causes~1{iid}/put/responses/429"
    index = [op["path"] for op in load_overrides()].index(lost)
    assert f"override #{index} add {lost} vanished" in err


def test_python_surface_names_what_breaks_code_written_against_the_package() -> None:
    old, new = widgets_document(), widgets_document()
    widget = new["components"]["schemas"]["Widget"]
    widget["required"].append("name")  # Widget(iid=1) now raises TypeError
    widget["properties"]["iid"] = {"type": "string", "format": "uuid"}
    new["components"]["schemas"]["Colour"] = {"type": "string", "enum": ["red", "blue"]}
    old["components"]["schemas"]["Colour"] = {"type": "string", "enum": ["red", "green"]}
    surface = {k for k in keys(diff_documents(old, new).changes) if k[0] == "surface"}
    assert surface == {
        ("surface", "field-became-required", "issuetrak_client.models.Widget.name", "", True),
        (
            "surface",
            "field-type-changed",
            "issuetrak_client.models.Widget.iid",
            "int -> UUID",
            True,
        ),
        ("surface", "enum-member-added", "issuetrak_client.models.Colour", "blue", True),
        ("surface", "enum-member-removed", "issuetrak_client.models.Colour", "green", True),
    }


def test_the_rule_table_of_the_upgrading_page_is_the_code() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "upgrading.md"
    assert rules_markdown() in page.read_text(encoding="utf-8")


# --- the Python-package view agrees with the wire view on types, enums and models -----------------


def things_document() -> Doc:
    """A small document: Thing with an int32 id, a referenced enum, an inline enum and an address."""
    thing = {"$ref": "#/components/schemas/Thing"}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": thing}}}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "things", "version": "1"},
        "paths": {"/Things/{iid}": {"get": {"operationId": "GetThing", "responses": ok}}},
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["iid"],
                    "properties": {
                        "iid": {"type": "integer", "format": "int32"},
                        "name": {"type": "string"},
                        "colour": {"$ref": "#/components/schemas/Colour"},
                        "status": {"type": "string", "enum": ["Open", "Closed"]},
                        "address": {"$ref": "#/components/schemas/Address"},
                    },
                },
                "Colour": {"type": "string", "enum": ["Red", "Green"]},
                "Address": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        },
    }


def _thing(document: Doc) -> dict[str, Any]:
    props: dict[str, Any] = document["components"]["schemas"]["Thing"]["properties"]
    return props


def inline_the_enum_ref(document: Doc) -> None:
    _thing(document)["colour"] = copy.deepcopy(document["components"]["schemas"]["Colour"])


def inline_the_object_ref(document: Doc) -> None:
    _thing(document)["address"] = copy.deepcopy(document["components"]["schemas"]["Address"])


def rename_the_object_keeping_its_shape(document: Doc) -> None:
    schemas = document["components"]["schemas"]
    schemas["Location"] = schemas.pop("Address")
    _thing(document)["address"] = {"$ref": "#/components/schemas/Location"}


def widen_the_id(document: Doc) -> None:
    _thing(document)["iid"]["format"] = "int64"


def name_becomes_an_integer(document: Doc) -> None:
    _thing(document)["name"] = {"type": "integer"}


def add_a_status(document: Doc) -> None:
    _thing(document)["status"]["enum"].append("Parked")


def drop_a_status(document: Doc) -> None:
    _thing(document)["status"]["enum"].remove("Closed")


def name_becomes_nullable(document: Doc) -> None:
    _thing(document)["name"]["nullable"] = True


Surfaced = set[tuple[str, str, str]]
THING = "issuetrak_client.models.Thing"

SHAPE_CASES: list[tuple[Callable[[Doc], None], Surfaced]] = [
    # the same schema, written inline: no type, enum or field change (the generator's inline
    # enum class for it is one more importable name)
    (inline_the_enum_ref, {("model-added", "issuetrak_client.models.ThingColour", "")}),
    (inline_the_object_ref, set()),
    (
        rename_the_object_keeping_its_shape,
        {
            ("model-removed", "issuetrak_client.models.Address", ""),
            ("model-added", "issuetrak_client.models.Location", ""),
        },
    ),
    (widen_the_id, {("field-format-changed", f"{THING}.iid", "int(int32) -> int(int64)")}),
    (name_becomes_an_integer, {("field-type-changed", f"{THING}.name", "str -> int")}),
    (add_a_status, {("enum-member-added", "issuetrak_client.models.ThingStatus", "Parked")}),
    (drop_a_status, {("enum-member-removed", "issuetrak_client.models.ThingStatus", "Closed")}),
    (name_becomes_nullable, {("field-became-nullable", f"{THING}.name", "str -> str | None")}),
]


@pytest.mark.parametrize(
    ("edit", "expected"), SHAPE_CASES, ids=[edit.__name__ for edit, _ in SHAPE_CASES]
)
def test_the_package_view_reports_what_a_position_holds_not_how_it_is_written(
    edit: Callable[[Doc], None], expected: Surfaced
) -> None:
    old, new = things_document(), things_document()
    edit(new)
    changes = diff_documents(old, new).changes
    assert {(c.kind, c.location, c.detail) for c in changes if c.area == "surface"} == expected
    # the wire view sees a change exactly where the package view sees one in a type or an enum
    wire = {c.location for c in changes if c.area == "wire" and c.kind != "reference-changed"}
    typed = {c for c in expected if not c[0].startswith("model-")}
    assert bool(wire) == bool(typed), wire


# edits to the pinned document that each change types, formats, nullability or enum members of
# component schemas; the views must agree on every place they touch
TYPED_KINDS = ("type-changed", "format-", "became-nullable", "became-non-nullable", "enum-")


def _enum_refs(document: Doc) -> list[tuple[str, str, str]]:
    """(schema, property, enum component) for every property that refers to an enum component."""
    schemas = document["components"]["schemas"]
    found = []
    for name, schema in schemas.items():
        for prop, sub in (schema.get("properties") or {}).items():
            target = str(sub.get("$ref", "")).rsplit("/", 1)[-1]
            if target in schemas and "enum" in schemas[target]:
                found.append((name, prop, target))
    return found


def _properties(document: Doc, kind: str, fmt: str | None = None) -> list[tuple[str, str]]:
    return [
        (name, prop)
        for name, schema in document["components"]["schemas"].items()
        for prop, sub in (schema.get("properties") or {}).items()
        if sub.get("type") == kind and sub.get("format") == fmt and "enum" not in sub
    ]


def derived_pairs() -> list[tuple[str, Doc, Doc]]:
    """Next versions of the pinned document, each with one kind of edit in many places."""
    pairs = []
    base = load_document()
    schemas = base["components"]["schemas"]
    inlined = copy.deepcopy(base)
    for name, prop, target in _enum_refs(base):
        inlined["components"]["schemas"][name]["properties"][prop] = copy.deepcopy(schemas[target])
    pairs.append(("enum refs inlined", base, inlined))
    grown = copy.deepcopy(inlined)
    for name, prop, _ in _enum_refs(base)[:15]:
        grown["components"]["schemas"][name]["properties"][prop]["enum"].append("Added")
    pairs.append(("members added to inline enums", inlined, grown))
    widened = copy.deepcopy(base)
    for name, prop in _properties(base, "integer", "int32")[:66]:
        widened["components"]["schemas"][name]["properties"][prop]["format"] = "int64"
    pairs.append(("int32 -> int64", base, widened))
    retyped = copy.deepcopy(base)
    for name, prop in _properties(base, "string")[:20]:
        target = retyped["components"]["schemas"][name]["properties"][prop]
        target["type"], target["nullable"] = "integer", not target.get("nullable", False)
    pairs.append(("string -> integer, nullability flipped", base, retyped))
    return pairs


def _wire_place(change: Change) -> str:
    return change.location.split("[", 1)[0]  # list items are their property's


def _surface_place(change: Change, classes: dict[str, str]) -> str:
    location = change.location.removeprefix("issuetrak_client.models.")
    if "." not in location:  # an enum class: the property that holds it inline, or the component
        return classes.get(location, location)
    owner, field_name = location.split(".", 1)
    return f"{classes.get(owner, owner)}.{field_name}"


@pytest.mark.parametrize("pair", range(4))
def test_both_views_agree_on_derived_versions_of_the_pinned_document(pair: int) -> None:
    from issuetrak_tools._evolution.surface import class_name, python_identifier

    _, old, new = derived_pairs()[pair]
    changes = diff_documents(old, new).changes
    wire = {
        _wire_place(c)
        for c in changes
        if c.area == "wire" and c.kind.startswith(TYPED_KINDS) and "." in c.location
    }
    wire_enums = {c.location for c in changes if c.area == "wire" and c.kind.startswith("enum-")}
    # surface names back to schema names: classes by their generator names, fields likewise
    classes: dict[str, str] = {}
    for document in (old, new):
        for name, schema in document["components"]["schemas"].items():
            for model in (class_name(name), class_name(f"{name}_type_0")):  # nullable: Type0
                classes[model] = name
                for prop in schema.get("properties") or {}:
                    classes[class_name(f"{model}{class_name(prop)}")] = f"{name}.{prop}"
    fields = {
        f"{name}.{python_identifier(prop)}": f"{name}.{prop}"
        for document in (old, new)
        for name, schema in document["components"]["schemas"].items()
        for prop in schema.get("properties") or {}
    }
    surface = {
        fields.get(place, place)
        for c in changes
        if c.area == "surface" and c.kind.startswith(("field-", "enum-member"))
        for place in [_surface_place(c, classes)]
    }
    assert surface == wire | wire_enums
    assert not [c for c in changes if c.kind.startswith("model-removed")]
    if pair == 0:  # the same schemas written inline: nothing that breaks, in either view
        assert (surface, [c.key() for c in changes if c.breaking]) == (set(), [])
    else:
        assert len(surface) >= 15, surface
