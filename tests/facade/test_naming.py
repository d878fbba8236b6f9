from __future__ import annotations

import attrs
import pytest
from issuetrak._models import field_names, resolve_model, snake, wire_name
from issuetrak_tools.spec import load_document

DOC = load_document()


def _object_schemas() -> list[str]:
    return [
        n
        for n, s in DOC["components"]["schemas"].items()
        if s.get("properties") and s.get("type") == "object"
    ]


@pytest.mark.parametrize("name", _object_schemas())
def test_every_schema_property_maps_to_a_model_attribute_and_back(name: str) -> None:
    try:
        cls = resolve_model(name)
    except (ImportError, AttributeError):  # nullable object schemas become <Name>Type0
        cls = resolve_model(f"{name}Type0")
    assert attrs.has(cls)
    attributes = set(field_names(cls))
    for prop in DOC["components"]["schemas"][name]["properties"]:
        matches = [a for a in attributes if wire_name(cls, a) == prop]
        assert len(matches) == 1, f"{name}.{prop}: {sorted(attributes)}"


def test_snake_matches_the_generators_module_names() -> None:
    assert (
        snake("UserDefinedFilterOfStringCriteriaDTO")
        == "user_defined_filter_of_string_criteria_dto"
    )
    assert snake("SubType1EntityCriteriaType0") == "sub_type_1_entity_criteria_type_0"
    assert resolve_model("Class").__name__ == "Class"
