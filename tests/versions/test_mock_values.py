"""The mock serves values of the types its document states: seeded, created and updated alike.

Checked against the pinned document and against derived documents in which the types, lengths
and enums the demo data relies on changed (as a new Issuetrak release may change them). The
validation is stricter than JSON Schema about numbers: ``1.0`` is not an integer here, because
a generated client reading an ``int`` field must not get a float.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import jsonschema
import pytest
from issuetrak_mock import create_app
from issuetrak_mock.schemas import REF_PREFIX, SchemaIndex
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools.spec import load_document

from . import derive

BASE = "http://mock/api/v2"


def strict_validator(index: SchemaIndex, name: str) -> Any:
    definitions = {n: index.to_json_schema(s, request=False) for n, s in index.schemas.items()}
    root = dict(index.to_json_schema({"$ref": REF_PREFIX + name}, request=False))
    root["definitions"] = definitions
    checker = jsonschema.Draft7Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, type_checker=checker)
    return cls(root)


def nonconforming(app: Any) -> dict[tuple[str, str, str], int]:
    """Every stored record that does not validate against its read schema, counted by problem."""
    site = app.state.site
    found: dict[tuple[str, str, str], int] = {}
    for store in site.stores.values():
        validator = strict_validator(site.index, store.entity)
        for record in store.records.values():
            for error in validator.iter_errors(site.output(store.entity, record)):
                where = "/".join(map(str, error.absolute_path))
                key = (store.entity, where, error.message[:80])
                found[key] = found.get(key, 0) + 1
    return found


def stricter(document: dict[str, Any]) -> dict[str, Any]:
    """Every display order an integer and every name at most 8 characters, in every schema."""
    result = copy.deepcopy(document)
    for schema in result["components"]["schemas"].values():
        for name, prop in (schema.get("properties") or {}).items():
            if name == "displayOrder" and prop.get("type") == "number":
                prop["type"], prop["format"] = "integer", "int32"
            if name == "name" and prop.get("type") == "string":
                prop["maxLength"] = 8
    return result


@pytest.mark.parametrize(
    "derived",
    [
        pytest.param(lambda doc: doc, id="pinned"),
        pytest.param(derive.property_type_change, id="type-change"),
        pytest.param(derive.new_entity, id="new-entity"),
        pytest.param(stricter, id="integers-and-short-names-everywhere"),
    ],
)
def test_seeded_records_follow_the_document_the_mock_serves(derived: Any) -> None:
    app = create_app(document=derived(load_document()), seed=0, rate_limits=None, issues=40)
    assert nonconforming(app) == {}


def test_created_and_updated_values_are_stored_as_the_document_types_them() -> None:
    document = stricter(derive.property_type_change(load_document()))
    # the request schemas still take the old shapes, as a site does while clients catch up
    for name in ("CreatePriority", "UpdatePriority"):
        prop = document["components"]["schemas"][name]["properties"]["displayOrder"]
        prop["type"], prop["format"] = "number", "double"
        document["components"]["schemas"][name]["properties"]["name"]["maxLength"] = 50
    app = create_app(document=document, seed=0, rate_limits=None, issues=5)
    transport = SyncASGITransport(app)
    headers = {"X-Api-Key": app.state.tokens["admin"]}
    with httpx.Client(transport=transport, base_url=BASE, headers=headers) as client:
        created = client.post("/Priorities", json={"name": "Very urgent", "displayOrder": 2.0})
        assert created.status_code == 201, created.text
        record = created.json()["values"]
        assert record["displayOrder"] == 2 and isinstance(record["displayOrder"], int)
        assert record["name"] == "Very urg"
        updated = client.put(
            f"/Priorities/{record['iid']}", json={"name": "Later", "displayOrder": 7.6}
        )
        assert updated.status_code in (200, 201), updated.text
        read = client.get(f"/Priorities/{record['iid']}").json()["values"]
        assert read["displayOrder"] == 8 and '"displayOrder":8' in client.get(
            f"/Priorities/{record['iid']}"
        ).text.replace(" ", "")
    transport.close()
    assert nonconforming(app) == {}
