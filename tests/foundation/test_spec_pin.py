from __future__ import annotations

import json
from pathlib import Path

import pytest
from issuetrak_tools import spec
from issuetrak_tools.cli import regen

from .conftest import Project, document_bytes, small_document


def test_pinned_document_is_found_and_matches_its_pin() -> None:
    pin = spec.load_pin()
    path = spec.locate_document()
    assert pin.label == spec.default_label()
    assert spec.sha256_file(path) == pin.sha256
    assert path.stat().st_size == pin.size
    assert pin.generator.startswith("openapi-python-client==")


def test_pinned_document_is_never_inside_the_repository_tree_under_version_control() -> None:
    # the vendor document may sit at spec/<label>/openapi.json, but only as an ignored file
    ignore = (spec.project_root() / ".gitignore").read_text(encoding="utf-8")
    assert "/spec/*/openapi.json" in ignore.splitlines()


def test_lookup_order_is_spec_folder_then_env_then_shared(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = document_bytes(small_document())
    folder = project.pin("things-1", body)
    shared = project.root.parent / "shared" / "issuetrak-spec" / "things-1" / "openapi.json"
    shared.parent.mkdir(parents=True)
    shared.write_bytes(body)
    assert spec.locate_document() == shared

    env_copy = tmp_path / "elsewhere.json"
    env_copy.write_bytes(body)
    monkeypatch.setenv("ISSUETRAK_SPEC", str(env_copy))
    assert spec.locate_document() == env_copy

    (folder / "openapi.json").write_bytes(body)
    assert spec.locate_document() == folder / "openapi.json"


def test_document_with_another_hash_is_refused_with_both_hashes_and_how_to_repin(
    project: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pinned = document_bytes(small_document())
    project.pin("things-1", pinned)
    changed = tmp_path / "changed.json"
    changed.write_bytes(pinned.replace(b'"1.0"', b'"1.1"'))
    monkeypatch.setenv("ISSUETRAK_SPEC", str(changed))

    assert regen.main(["--output", str(tmp_path / "out" / "issuetrak_client")]) == 1
    err = capsys.readouterr().err
    assert spec.sha256_file(changed) in err
    assert spec.load_pin().sha256 in err
    assert f"fetch-spec --from {changed}" in err
    assert not (tmp_path / "out").exists()


def test_missing_document_names_every_place_looked_at(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project.pin("things-1", document_bytes(small_document()))
    assert regen.main(["--output", str(tmp_path / "issuetrak_client")]) == 1
    err = capsys.readouterr().err
    assert "'things-1'" in err and "was not found" in err
    assert str(project.spec / "things-1" / "openapi.json") in err
    assert "ISSUETRAK_SPEC" in err


def test_unknown_label_lists_the_known_ones(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.pin("things-1", b"{}", default=False)
    assert regen.main(["--label", "nope"]) == 1
    assert "known labels: things-1" in capsys.readouterr().err


def test_overrides_add_a_429_with_retry_after_to_every_operation() -> None:
    raw = spec.load_document(patched=False)
    patched = spec.load_document()
    operations = list(spec.iter_operations(patched))
    assert operations and len(operations) == len(list(spec.iter_operations(raw)))
    assert all("429" not in op.spec["responses"] for op in spec.iter_operations(raw))
    for op in operations:
        response = op.spec["responses"]["429"]
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[-1]
            response = patched["components"]["responses"][name]
        assert "Retry-After" in response["headers"], f"{op.method} {op.path}"


def test_every_override_states_its_reason() -> None:
    overrides = spec.load_overrides()
    assert overrides
    assert all(str(op["reason"]).strip() for op in overrides)


def test_override_without_reason_is_refused(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = document_bytes(small_document())
    folder = project.pin("things-1", body)
    (folder / "openapi.json").write_bytes(body)
    (folder / "overrides.json").write_text(
        json.dumps([{"op": "remove", "path": "/paths/~1Things"}]), encoding="utf-8"
    )
    with pytest.raises(
        spec.SpecError, match=r"operation #0 \('?/paths/~1Things'?\) has no 'reason'"
    ):
        spec.load_document()


def test_override_that_does_not_apply_is_named_in_a_short_message(project: Project) -> None:
    body = document_bytes(small_document())
    folder = project.pin("things-1", body)
    (folder / "openapi.json").write_bytes(body)
    patch = [
        {"op": "add", "path": "/paths/~1Gone/get/responses/429", "value": {}, "reason": "test"}
    ]
    (folder / "overrides.json").write_text(json.dumps(patch), encoding="utf-8")
    with pytest.raises(spec.SpecError) as caught:
        spec.load_document()
    message = str(caught.value)
    assert "operation #0 add /paths/~1Gone/get/responses/429 failed" in message
    assert len(message) < 400  # the document itself is not quoted


def test_same_label_in_another_project_root_is_not_answered_from_cache(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ISSUETRAK_PROJECT_ROOT")
    label = spec.default_label()
    real_title = spec.load_document(label)["info"]["title"]
    monkeypatch.setenv("ISSUETRAK_PROJECT_ROOT", str(project.root))
    body = document_bytes(small_document())
    (project.pin(label, body) / "openapi.json").write_bytes(body)
    assert spec.load_document(label)["info"]["title"] == "Things" != real_title


def test_a_pin_written_with_the_old_release_key_still_reads(project: Project) -> None:
    folder = project.pin("old", b"{}")
    text = (folder / "pin.toml").read_text(encoding="utf-8")
    assert 'document_version = ""' in text and "issuetrak_release" not in text
    (folder / "pin.toml").write_text(
        text.replace('document_version = ""', 'issuetrak_release = "7.4.1"'), encoding="utf-8"
    )
    assert spec.load_pin("old").document_version == "7.4.1"
