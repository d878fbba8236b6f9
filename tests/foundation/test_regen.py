from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from issuetrak._versions import label_ident
from issuetrak_tools import _codegen, spec
from issuetrak_tools.cli import regen

from .conftest import (
    REALWORLD,
    REPO,
    Project,
    Ran,
    RealworldRegen,
    python_in,
    realworld_params,
    run_cli,
    small_document,
    tree_hashes,
)

pytestmark = pytest.mark.slow

# the tests that read the session's regenerations of the pinned document run on one xdist
# worker, so each regeneration is made once and no worker waits for another's
ON_THE_REGENERATED_WORKER = pytest.mark.xdist_group("regenerated")


def generator_module_name(op: spec.Operation) -> tuple[str, str]:
    """The (tag, module) the generator itself computes for ``op`` (its own naming code)."""
    from openapi_python_client.parser.openapi import generate_operation_id
    from openapi_python_client.schema.untrusted_string import UntrustedString
    from openapi_python_client.strings import PythonIdentifier

    tag = PythonIdentifier(op.tags[0] if op.tags else "default", prefix="tag")
    if op.operation_id:
        name = PythonIdentifier(op.operation_id, prefix="field_")
    else:
        name = generate_operation_id(
            path=UntrustedString(op.path), method=op.method.lower(), prefix="field_"
        )
    return str(tag), str(PythonIdentifier(name, "field_"))


@ON_THE_REGENERATED_WORKER
def test_two_regenerations_give_byte_identical_trees(
    regenerated: Path, checked_regenerated: Ran
) -> None:
    # the second regeneration is `regen --check`'s: it generates afresh in a folder of its own
    # and compares the sha256 of every file with the first (that it tells a changed file from
    # an unchanged one is the next test's)
    assert len(tree_hashes(regenerated)) > 100
    assert checked_regenerated.returncode == 0, checked_regenerated.stderr
    assert "is up to date" in checked_regenerated.stdout


@ON_THE_REGENERATED_WORKER
def test_generated_package_is_stamped_with_the_pin(regenerated: Path) -> None:
    pin = spec.load_pin()
    result = python_in(
        regenerated.parent,
        "import json, issuetrak_client as c; print(json.dumps([c.SPEC_LABEL, c.SPEC_SHA256, c.SPEC_SOURCE, c.GENERATOR, c.__file__]))",
    )
    assert result.returncode == 0, result.stderr
    label, sha256, source, generator, where = json.loads(result.stdout)
    assert (label, sha256, source, generator) == (pin.label, pin.sha256, pin.source, pin.generator)
    assert Path(where).parent == regenerated


@ON_THE_REGENERATED_WORKER
def test_every_operation_of_the_pinned_document_has_an_importable_module(regenerated: Path) -> None:
    operations = list(spec.iter_operations(spec.load_document()))
    modules = {
        op.operation_id or f"{op.method} {op.path}": "issuetrak_client.api.{}.{}".format(
            *generator_module_name(op)
        )
        for op in operations
    }
    assert len(set(modules.values())) == len(operations)
    code = (
        "import importlib, json, sys\n"
        f"modules = json.loads({json.dumps(json.dumps(modules))})\n"
        "bad = {op: m for op, m in modules.items()\n"
        "       if not callable(getattr(importlib.import_module(m), 'sync_detailed', None))}\n"
        "print(json.dumps(bad))\n"
    )
    result = python_in(regenerated.parent, code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


def test_module_names_regen_expects_are_the_generators_own(tmp_path: Path) -> None:
    documents = [spec.load_document()]
    documents += [json.loads(p.read_bytes()) for p in sorted(REALWORLD.glob("*.json"))]
    tricky = {
        "paths": {
            "/a/{Id}/b-c": {
                "get": {"responses": {}},
                "post": {"operationId": "Post_Thing2Go", "tags": ["My Tag!"], "responses": {}},
            },
            "/class": {
                "get": {"operationId": "class", "responses": {}},
                "put": {"operationId": "_private", "responses": {}},
            },
            "/9lives": {"get": {"operationId": "9Lives", "tags": ["list"], "responses": {}}},
        }
    }
    for document in [*documents, tricky]:
        for op in spec.iter_operations(document):
            assert _codegen.operation_module(op) == generator_module_name(op), (op.method, op.path)


@ON_THE_REGENERATED_WORKER
def test_regen_check_passes_on_a_fresh_tree_and_names_files_that_differ(
    checked_regenerated: Ran, tmp_path: Path
) -> None:
    assert checked_regenerated.returncode == 0  # the pinned document's tree, regenerated afresh
    # a tree edited by hand (a small document: what is compared is the same for any document)
    source = write(tmp_path / "things.json", small_document())
    tree = tmp_path / "out" / "issuetrak_client"
    assert run_cli("regen", "--from", str(source), "--output", str(tree)).returncode == 0
    (tree / "client.py").write_text("# edited by hand\n", encoding="utf-8")
    result = run_cli("regen", "--check", "--from", str(source), "--output", str(tree))
    assert result.returncode == 1
    assert "client.py" in result.stderr and "out of date" in result.stderr
    assert (tree / "client.py").read_text(encoding="utf-8") == "# edited by hand\n"


# --- ad-hoc documents (--from) -----------------------------------------------------------------


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_from_file_generates_an_importable_package_stamped_with_the_file(tmp_path: Path) -> None:
    source = write(tmp_path / "things.json", small_document())
    output = tmp_path / "out" / "issuetrak_client"
    result = run_cli("regen", "--from", str(source), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "2 of 2 operations" in result.stdout
    check = python_in(
        output.parent,
        "import issuetrak_client as c; from issuetrak_client.api.things import get_thing, list_things; print(c.SPEC_LABEL, c.SPEC_SHA256)",
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["things", spec.sha256_file(source)]


def test_failed_regen_leaves_the_previous_package_in_place(tmp_path: Path) -> None:
    output = tmp_path / "issuetrak_client"
    output.mkdir()
    (output / "sentinel.py").write_text("previous = True\n", encoding="utf-8")
    broken = small_document()
    broken["components"]["schemas"]["Thing"]["properties"]["name"]["maxLength"] = -1
    result = run_cli(
        "regen", "--from", str(write(tmp_path / "broken.json", broken)), "--output", str(output)
    )
    assert result.returncode == 1
    assert sorted(p.name for p in output.iterdir()) == ["sentinel.py"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "issuetrak_client"]
    assert "broken.json cannot be generated" in result.stderr
    assert (
        "regen: generator error at /components/schemas/Thing/properties/name/maxLength: "
        in result.stderr
    )
    assert "(there: -1)" in result.stderr


def test_generator_warning_fails_regen_with_the_parameter_named(tmp_path: Path) -> None:
    document = small_document()
    del document["paths"]["/Things/{id}"]["get"]["parameters"]
    output = tmp_path / "issuetrak_client"
    result = run_cli(
        "regen",
        "--from",
        str(write(tmp_path / "undeclared.json", document)),
        "--output",
        str(output),
    )
    assert result.returncode == 1
    assert "path parameter 'id' is used in /Things/{id} but not declared for GET" in result.stderr
    assert "--allow-warnings" in result.stderr
    assert not output.exists()


def test_allow_warnings_writes_the_package_and_says_what_was_left_out(tmp_path: Path) -> None:
    document = small_document()
    document["paths"]["/Things"]["get"]["parameters"] = [
        {"name": "nope", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    output = tmp_path / "issuetrak_client"
    result = run_cli(
        "regen",
        "--from",
        str(write(tmp_path / "extra.json", document)),
        "--output",
        str(output),
        "--allow-warnings",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "path parameter 'nope' is declared for GET /Things but /Things has no {nope} segment"
        in result.stderr
    )
    assert "1 of 2 operations, 1 left out" in result.stdout
    assert (output / "api" / "things" / "get_thing.py").is_file()
    assert not (output / "api" / "things" / "list_things.py").exists()


def test_a_config_entry_with_a_reason_accepts_a_warning(tmp_path: Path) -> None:
    document = small_document()
    document["paths"]["/Things"]["get"]["parameters"] = [
        {"name": "nope", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    config = tmp_path / "generator.yaml"
    shutil.copytree(
        REPO / "tools" / "issuetrak_tools" / "templates", tmp_path / "templates"
    )  # beside the config
    config.write_text(
        (REPO / "tools" / "issuetrak_tools" / "generator.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "issuetrak_accepted_warnings: []",
            "issuetrak_accepted_warnings:\n  - match: 'WARNING parsing GET /Things '\n    reason: the listing is not used\n",
        ),
        encoding="utf-8",
    )
    source = write(tmp_path / "extra.json", document)
    result = run_cli(
        "regen",
        "--from",
        str(source),
        "--config",
        str(config),
        "--output",
        str(tmp_path / "issuetrak_client"),
    )
    assert result.returncode == 0, result.stderr
    assert "accepted warning: WARNING parsing GET /Things" in result.stderr
    assert "(the listing is not used)" in result.stderr

    config.write_text(
        config.read_text(encoding="utf-8").replace("    reason: the listing is not used\n", ""),
        encoding="utf-8",
    )
    result = run_cli(
        "regen",
        "--from",
        str(source),
        "--config",
        str(config),
        "--output",
        str(tmp_path / "issuetrak_client"),
    )
    assert result.returncode == 1
    assert "issuetrak_accepted_warnings entry #0 needs both 'match' and 'reason'" in result.stderr


def test_a_generated_module_that_does_not_import_fails_regen_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "tools" / "issuetrak_tools" / "templates", templates)
    init = templates / "models_init.py.jinja"
    init.write_text(
        init.read_text(encoding="utf-8") + '\nraise RuntimeError("models refuse to import")\n',
        encoding="utf-8",
    )
    config = tmp_path / "generator.yaml"
    shutil.copy(REPO / "tools" / "issuetrak_tools" / "generator.yaml", config)
    output = tmp_path / "issuetrak_client"
    for extra in ((), ("--allow-warnings",)):
        result = run_cli(
            "regen",
            "--from",
            str(write(tmp_path / "things.json", small_document())),
            "--config",
            str(config),
            "--output",
            str(output),
            *extra,
        )
        assert result.returncode == 1, result.stdout
        lines = result.stderr.splitlines()
        failing = [line for line in lines if " does not import: " in line]
        assert (
            "regen: module issuetrak_client.models does not import: RuntimeError: models refuse to import"
            in failing
        )
        assert any(".api.things.get_thing does not import" in line for line in failing), failing
        assert lines[-1].startswith("regen: things.json: ") and "not written" in lines[-1]
        assert not output.exists()


def test_operations_that_would_share_a_module_are_refused(tmp_path: Path) -> None:
    document = small_document()
    document["paths"]["/Things/{id}"]["get"]["operationId"] = (
        "listThings"  # snake-cases like ListThings
    )
    result = run_cli(
        "regen",
        "--from",
        str(write(tmp_path / "clash.json", document)),
        "--output",
        str(tmp_path / "issuetrak_client"),
    )
    assert result.returncode == 1
    assert "all become api/things/list_things.py" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<html>nope</html>", "is not JSON"),
        (b'{"swagger": "2.0", "info": {}}', "is a Swagger 2.0 document"),
        (b'{"info": {}}', "is JSON but not an OpenAPI document (no 'openapi' field)"),
        (b"[1, 2]", "top level is a list"),
    ],
)
def test_from_file_that_is_not_openapi_3_gets_a_specific_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    source = tmp_path / "doc.json"
    source.write_bytes(content)
    assert regen.main(["--from", str(source), "--output", str(tmp_path / "issuetrak_client")]) == 1
    err = capsys.readouterr().err
    assert expected in err and str(source) in err
    assert err.count("\n") == 1


def test_from_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert regen.main(["--from", str(tmp_path / "absent.json")]) == 1
    assert f"--from {tmp_path / 'absent.json'}: no such file" in capsys.readouterr().err


def test_missing_generator_is_reported_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "openapi_python_client" else real_find_spec(name, *a),
    )
    output = tmp_path / "issuetrak_client"
    assert regen.main(["--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert "openapi-python-client is not installed" in err and "pip install -e '.[dev]'" in err
    assert not output.exists()


def test_outside_a_checkout_the_install_advice_is_the_tools_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from issuetrak_tools import _codegen

    wheel = tmp_path / "lib" / "site-packages" / "issuetrak_tools" / "_codegen.py"
    monkeypatch.setattr(_codegen, "__file__", str(wheel))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "openapi_python_client" else real_find_spec(name, *a),
    )
    assert regen.main(["--output", str(tmp_path / "issuetrak_client")]) == 1
    err = capsys.readouterr().err
    assert "pip install 'issuetrak[tools]'" in err and "-e '.[dev]'" not in err


def test_pin_made_with_another_generator_version_is_refused(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps(small_document()).encode()
    (
        project.pin("things-1", body, generator="openapi-python-client==0.0.1") / "openapi.json"
    ).write_bytes(body)
    assert regen.main(["--output", str(tmp_path / "issuetrak_client")]) == 1
    err = capsys.readouterr().err
    assert "generated with openapi-python-client==0.0.1" in err and "is installed" in err


def test_missing_config_is_named(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert regen.main(["--config", str(tmp_path / "nope.yaml")]) == 1
    assert f"generator config {tmp_path / 'nope.yaml'} not found" in capsys.readouterr().err


def test_pinned_label_in_another_project_regenerates_with_its_overrides(
    project: Project, tmp_path: Path
) -> None:
    body = json.dumps(small_document()).encode()
    folder = project.pin("things-1", body)
    (folder / "openapi.json").write_bytes(body)
    patch = [
        {
            "op": "add",
            "path": "/paths/~1Things~1{id}/delete",
            "value": {
                "operationId": "DeleteThing",
                "tags": ["Things"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"204": {"description": "gone"}},
            },
            "reason": "sites allow deleting things",
        }
    ]
    (folder / "overrides.json").write_text(json.dumps(patch), encoding="utf-8")
    output = tmp_path / "issuetrak_client"
    result = run_cli(
        "regen", "--output", str(output), env={"ISSUETRAK_PROJECT_ROOT": str(project.root)}
    )
    assert result.returncode == 0, result.stderr
    assert "3 of 3 operations" in result.stdout
    assert (output / "api" / "things" / "delete_thing.py").is_file()


def test_overrides_patch_fixes_an_ad_hoc_document_before_generation(tmp_path: Path) -> None:
    broken = small_document()
    broken["components"]["schemas"]["Thing"]["properties"]["name"]["maxLength"] = -1
    source = write(tmp_path / "broken.json", broken)
    patch = write(
        tmp_path / "fix.json",
        [
            {
                "op": "remove",
                "path": "/components/schemas/Thing/properties/name/maxLength",
                "reason": "-1 means no limit",
            }
        ],
    )
    output = tmp_path / "issuetrak_client"
    result = run_cli(
        "regen", "--from", str(source), "--overrides", str(patch), "--output", str(output)
    )
    assert result.returncode == 0, result.stderr
    assert (output / "models" / "thing.py").is_file()

    write(patch, [{"op": "remove", "path": "/components/schemas/Thing/properties/name/maxLength"}])
    result = run_cli(
        "regen", "--from", str(source), "--overrides", str(patch), "--output", str(output)
    )
    assert result.returncode == 1
    assert (
        "operation #0 (/components/schemas/Thing/properties/name/maxLength) has no 'reason'"
        in result.stderr
    )


def test_each_generator_warning_is_explained_in_terms_of_the_document(tmp_path: Path) -> None:
    ok = {"200": {"description": "OK"}}
    document = small_document(
        **{
            "/a/{id}": {"get": {"operationId": "GetA", "responses": ok}},
            "/b": {
                "get": {
                    "operationId": "GetB",
                    "parameters": [
                        {"name": "x", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": ok,
                }
            },
            "/c": {
                "post": {
                    "operationId": "PostC",
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}
                        }
                    },
                    "responses": ok,
                }
            },
            "/d": {
                "get": {
                    "operationId": "GetD",
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Mixed"}
                                }
                            },
                        }
                    },
                }
            },
        }
    )
    document["components"]["schemas"]["Mixed"] = {"enum": [1, "a"]}
    result = run_cli(
        "regen",
        "--from",
        str(write(tmp_path / "quirks.json", document)),
        "--output",
        str(tmp_path / "issuetrak_client"),
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    warnings = [line for line in lines if line.startswith("regen: generator warning at ")]
    assert len(warnings) == 5, result.stderr
    for pointer, expected, there in (
        ("/paths/~1a~1{id}", "path parameter 'id' is used in /a/{id} but not declared for GET", ""),
        (
            "/paths/~1b",
            "path parameter 'x' is declared for GET /b but /b has no {x} segment",
            '(there: [{"name": "x", "in": "path"',
        ),
        (
            "/paths/~1c/post/requestBody/content/application~1json/schema",
            "POST /c was left out: it refers to #/components/schemas/Missing, which the document does not define",
            '(there: {"$ref": "#/components/schemas/Missing"})',
        ),
        (
            "/paths/~1d/get/responses/200/content/application~1json/schema",
            "a response of GET /d was left out: it uses #/components/schemas/Mixed",
            "",
        ),
        (
            "/components/schemas/Mixed",
            "schema /components/schemas/Mixed was left out (Enum values must all be the same type",
            '(there: {"enum": [1, "a"]})',
        ),
    ):
        matching = [w for w in warnings if w.startswith(f"regen: generator warning at {pointer}: ")]
        assert len(matching) == 1, (pointer, result.stderr)
        assert expected in matching[0] and there in matching[0], matching[0]
    verdict = lines[-1]
    assert "it would leave out 3 of 4 operations" in verdict
    assert "quirks.json" in verdict and "--allow-warnings" in verdict


def test_folders_left_by_an_interrupted_swap_are_cleared_by_the_next_run(tmp_path: Path) -> None:
    stale = tmp_path / ".issuetrak_client.old-abc123"
    (stale / "issuetrak_client").mkdir(parents=True)
    source = write(tmp_path / "things.json", small_document())
    result = run_cli("regen", "--from", str(source), "--output", str(tmp_path / "issuetrak_client"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issuetrak_client", "things.json"]


def test_regen_runs_on_a_clean_checkout_where_the_generated_package_is_missing(
    tmp_path: Path,
) -> None:
    # `make install` runs regen before issuetrak_client exists: nothing on regen's import path may need it
    source = write(tmp_path / "things.json", small_document())
    output = tmp_path / "out" / "issuetrak_client"
    code = (
        "import sys\n"
        "class NoGeneratedPackage:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'issuetrak_client':\n"
        "            raise ImportError('issuetrak_client is not generated yet')\n"
        "sys.meta_path.insert(0, NoGeneratedPackage())\n"
        "from issuetrak_tools.cli import main\n"
        f"sys.exit(main(['regen', '--from', {str(source)!r}, '--output', {str(output)!r}]))\n"
    )
    result = python_in(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert (output / "api" / "things" / "get_thing.py").is_file()


# --- the models package (spec/templates/models_init.py.jinja) -----------------------------------


@ON_THE_REGENERATED_WORKER
def test_models_package_imports_only_the_modules_of_the_names_used(regenerated: Path) -> None:
    code = (
        "import importlib, json, pkgutil, sys\n"
        "def loaded():\n"
        "    return sum(n.startswith('issuetrak_client.models.') for n in sys.modules)\n"
        "import issuetrak_client.models as m\n"
        "after_package = loaded()\n"
        "from issuetrak_client.models import User\n"
        "after_user = loaded()\n"
        "try:\n"
        "    m.NoSuchModel\n"
        "    missing = ''\n"
        "except AttributeError as exc:\n"
        "    missing = str(exc)\n"
        "defined = {}\n"
        "for info in pkgutil.iter_modules(m.__path__):\n"
        "    module = importlib.import_module(f'issuetrak_client.models.{info.name}')\n"
        "    for name, value in vars(module).items():\n"
        "        if isinstance(value, type) and value.__module__ == module.__name__:\n"
        "            defined[name] = getattr(m, name) is value\n"
        "star = {}\n"
        "exec('from issuetrak_client.models import *', star)\n"
        "print(json.dumps({'after_package': after_package, 'after_user': after_user,\n"
        "    'user_module': User.__module__, 'missing': missing, 'defined': defined,\n"
        "    'all': sorted(m.__all__), 'star': sorted(k for k in star if k[0] != '_'),\n"
        "    'dir_has_user': 'User' in dir(m)}))\n"
    )
    result = python_in(regenerated.parent, code)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["after_package"] == 0  # importing the package imports no model
    assert seen["user_module"] == "issuetrak_client.models.user"
    assert 1 <= seen["after_user"] <= 20  # User and what it refers to, not all ~340
    assert seen["missing"] == "module 'issuetrak_client.models' has no attribute 'NoSuchModel'"
    assert len(seen["defined"]) > 300 and all(seen["defined"].values())  # every class, resolved
    assert seen["all"] == sorted(seen["defined"]) == seen["star"]
    assert seen["dir_has_user"]


@ON_THE_REGENERATED_WORKER
def test_type_checkers_still_see_every_model_name(regenerated: Path, tmp_path: Path) -> None:
    snippet = tmp_path / "uses_models.py"
    snippet.write_text(
        "from issuetrak_client import models\n"
        "from issuetrak_client.models import NoSuchModel, User\n"
        "reveal_type(User)\n"
        "models.Usr\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", str(snippet)],
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(regenerated.parent)},
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    out = result.stdout
    assert 'Module "issuetrak_client.models" has no attribute "NoSuchModel"' in out, out
    assert "issuetrak_client.models.user.User" in out  # a real type, not Any
    assert 'Module has no attribute "Usr"' in out  # no module __getattr__ that accepts anything


@pytest.mark.parametrize(
    ("entry", "fragments"),
    [
        ("  path: templates\n", ["issuetrak_custom_templates needs both 'path' and 'reason'"]),
        ("  path: nowhere\n  reason: r\n", ["path 'nowhere' is not a folder"]),
        (  # a misspelt template would be ignored by the generator without a word
            "  path: misspelt\n  reason: r\n",
            [
                "model_init.py.jinja in ",
                "would override nothing: openapi-python-client",
                "has no template of that name",
            ],
        ),
    ],
)
def test_custom_templates_entry_needs_a_reason_and_templates_the_generator_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, fragments: list[str]
) -> None:
    text = (REPO / "tools" / "issuetrak_tools" / "generator.yaml").read_text(encoding="utf-8")
    start = text.index("issuetrak_custom_templates:")
    end = text.index("\n#", start)
    config = tmp_path / "generator.yaml"
    config.write_text(
        text[:start] + "issuetrak_custom_templates:\n" + entry + text[end + 1 :], encoding="utf-8"
    )
    (tmp_path / "misspelt").mkdir()
    (tmp_path / "misspelt" / "model_init.py.jinja").write_text("", encoding="utf-8")
    source = write(tmp_path / "things.json", small_document())
    output = tmp_path / "out" / "issuetrak_client"
    code = regen.main(["--from", str(source), "--config", str(config), "--output", str(output)])
    assert code == 1
    err = capsys.readouterr().err
    assert all(fragment in err for fragment in fragments), err
    assert not output.exists()


def test_document_without_schemas_gets_an_empty_lazy_models_package(tmp_path: Path) -> None:
    document = small_document()
    ok = {"description": "OK"}
    document["paths"] = {"/Ping": {"get": {"operationId": "Ping", "responses": {"200": ok}}}}
    del document["components"]
    output = tmp_path / "out" / "issuetrak_client"
    result = run_cli(
        "regen", "--from", str(write(tmp_path / "ping.json", document)), "--output", str(output)
    )
    assert result.returncode == 0, result.stderr
    check = python_in(
        output.parent,
        "import issuetrak_client.models as m, issuetrak_client.api.default.ping as p\n"
        "print(m._MODULES, hasattr(m, 'Anything'), callable(p.sync_detailed))",
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["{}", "False", "True"]


def test_a_model_named_like_a_typing_name_is_what_the_models_package_gives(
    tmp_path: Path,
) -> None:
    document = small_document()
    document["components"]["schemas"]["Any"] = {
        "type": "object",
        "properties": {"value": {"type": "string"}},
    }
    output = tmp_path / "out" / "issuetrak_client"
    source = write(tmp_path / "any.json", document)
    result = run_cli("regen", "--from", str(source), "--output", str(output))
    assert result.returncode == 0, result.stderr
    check = python_in(
        output.parent,
        "from issuetrak_client.models import Any, Thing\n"
        "print(Any.__module__, Any.__name__, Thing.__module__)",
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == [
        "issuetrak_client.models.any_",
        "Any",
        "issuetrak_client.models.thing",
    ]


# --- every shape of success answer, through every path regen writes by -------------------------


def _answers_document() -> dict[str, object]:
    """One operation per shape a success answer may have, in a document of our own."""

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    def get(op_id: str, schema: dict[str, object] | None) -> dict[str, object]:
        answer: dict[str, object] = {"description": "OK"}
        if schema is not None:
            answer["content"] = {"application/json": {"schema": schema}}
        status = "200" if schema is not None else "204"
        return {"get": {"operationId": op_id, "tags": ["Answers"], "responses": {status: answer}}}

    document = small_document(
        **{
            "/Color": get("GetColor", ref("Color")),
            "/Level": get("GetLevel", ref("Level")),
            "/Count": get("GetCount", {"type": "integer"}),
            "/Ratio": get("GetRatio", {"type": "number"}),
            "/Flag": get("GetFlag", {"type": "boolean"}),
            "/Names": get("GetNames", {"type": "array", "items": {"type": "string"}}),
            "/Colors": get("GetColors", {"type": "array", "items": ref("Color")}),
            "/Maybe": get("GetMaybe", ref("MaybeThing")),
            "/Either": get("GetEither", {"oneOf": [ref("Thing"), ref("Other")]}),
            "/Nothing": get("GetNothing", None),
        }
    )
    document["components"] = {
        "schemas": {
            "Color": {"type": "string", "enum": ["red", "blue"]},
            "Level": {"type": "integer", "enum": [1, 2, 3]},
            "Thing": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "Other": {"type": "object", "properties": {"name": {"type": "string"}}},
            "MaybeThing": {
                "type": "object",
                "nullable": True,
                "properties": {"id": {"type": "integer"}},
            },
        }
    }
    return document


# what each operation answers on the wire, and what the namespace method gives back
_ANSWERS = {
    "/Color": ("red", "get_color", "Color:red"),
    "/Level": (2, "get_level", "Level:2"),
    "/Count": (3, "get_count", "int:3"),
    "/Ratio": (1, "get_ratio", "int:1"),  # a JSON number may be written without a fraction
    "/Flag": (True, "get_flag", "bool:True"),
    "/Names": (["a", "b"], "get_names", "list:['a', 'b']"),
    "/Colors": (["blue"], "get_colors", "list:[<Color.BLUE: 'blue'>]"),
    "/Maybe": (None, "get_maybe", "NoneType:None"),
    "/Either": ({"id": 4}, "get_either", "Thing:4"),
    "/Nothing": (None, "get_nothing", "NoneType:None"),
}

_CALL_EVERY_ANSWER = """
import json, httpx, issuetrak
answers = json.loads({answers!r})
def handler(request):
    body = answers["/" + request.url.path.rsplit("/", 1)[-1]]
    if request.url.path.endswith("/Nothing"):
        return httpx.Response(204)
    return httpx.Response(200, content=json.dumps(body[0]).encode(),
                          headers={{"content-type": "application/json"}})
client = issuetrak.Issuetrak("https://site.example/api", token="t", rate_limits=None,
                             transport=httpx.MockTransport(handler))
for path, (_, method, _) in answers.items():
    value = getattr(client.answers, method)()
    shown = value.id if type(value).__name__ == "Thing" else getattr(value, "value", value)
    print(path, f"{{type(value).__name__}}:{{shown}}")
"""


@pytest.mark.parametrize("path", ["default", "label", "output"])
def test_every_shape_of_success_answer_regenerates_with_namespaces_through_every_path(
    project: Project, tmp_path: Path, path: str
) -> None:
    body = json.dumps(_answers_document()).encode()
    folder = project.pin("answers-1", body)
    (folder / "openapi.json").write_bytes(body)
    env = {"ISSUETRAK_PROJECT_ROOT": str(project.root)}
    args = {"default": [], "label": ["--label", "answers-1"], "output": []}[path]
    output = tmp_path / "standalone" / "answers"
    if path == "output":
        args = ["--output", str(output)]
    result = run_cli("regen", *args, env=env)
    assert result.returncode == 0, result.stderr
    assert "10 of 10 operations" in result.stdout
    if path == "output":
        check = python_in(
            output.parent,
            "from answers.namespaces.answers import Answers as A\n"
            "print(sorted(n for n in vars(A) if n.startswith('get_')))",
        )
        assert check.returncode == 0, check.stderr
        assert check.stdout.strip() == str(sorted(m for _, m, _ in _ANSWERS.values()))
        return
    generated = project.root / "generated"
    assert (generated / "issuetrak_client" / "answers_1" / "namespaces" / "answers.py").is_file()
    answers = json.dumps(_ANSWERS)
    called = python_in(generated, _CALL_EVERY_ANSWER.format(answers=answers))
    assert called.returncode == 0, called.stderr
    got = dict(line.split(" ", 1) for line in called.stdout.strip().splitlines())
    assert got == {path_: shown for path_, (_, _, shown) in _ANSWERS.items()}


def test_an_operation_namespaces_cannot_take_is_refused_at_its_place_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    document = small_document()
    document["paths"]["/Things"]["get"]["parameters"] = [
        {"name": "timeout", "in": "query", "schema": {"type": "integer"}}
    ]
    output = tmp_path / "out" / "things"
    result = run_cli(
        "regen", "--from", str(write(tmp_path / "things.json", document)), "--output", str(output)
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == ("regen: /paths/~1Things/get: timeout is both an argument and an option"), (
        result.stderr
    )
    assert "nothing was written" in lines[-1] and "generated" not in lines[-1]
    assert not output.parent.exists()


_IMPORT_NAMESPACES = """
import importlib, pkgutil, sys
root = importlib.import_module(sys.argv[1] + ".namespaces")
names = [m.name for m in pkgutil.iter_modules(root.__path__)]
classes = 0
for name in names:
    module = importlib.import_module(f"{root.__name__}.{name}")
    classes += sum(1 for n in module.__all__ if callable(getattr(module, n)))
print(len(names), classes)
"""


@pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"no real-world documents at {REALWORLD}")
@pytest.mark.parametrize("document", realworld_params())
def test_realworld_document_regenerates_through_the_default_path_with_namespaces(
    document: Path, realworld_regen: Callable[[Path], RealworldRegen]
) -> None:
    runs = realworld_regen(document)  # regen --from DOCUMENT, then --allow-warnings if offered
    result = runs.last
    generated = runs.generated
    if result.returncode != 0 and "cannot be generated" in result.stderr:
        # the generator itself refuses it: the places are named and nothing is written
        assert "regen: generator error at /" in result.stderr
        assert not runs.wrote_after_allowed
        return
    assert result.returncode == 0, result.stderr[-3000:]
    ident = label_ident(document.stem)
    code = _IMPORT_NAMESPACES.replace("sys.argv[1]", repr(f"issuetrak_client.{ident}"))
    imported = python_in(generated, code)
    assert imported.returncode == 0, imported.stderr[-3000:]
    tags, classes = map(int, imported.stdout.split())
    assert tags > 0 and classes == 4 * tags


def test_a_regen_that_stops_before_the_package_is_ready_leaves_its_finisher_idle(
    tmp_path: Path,
) -> None:
    # the finishing interpreter starts with the generator; a run that fails before telling it
    # to go must end it without anything written into the package folder
    package_dir = tmp_path / "pkg"
    package_dir.mkdir()
    (package_dir / "__init__.py").write_text("", encoding="utf-8")
    with _codegen.Finisher(tmp_path, "pkg", package_dir) as finisher:
        pass
    assert finisher._proc.returncode is not None
    assert sorted(p.name for p in package_dir.iterdir()) == ["__init__.py"]


def test_the_finisher_reports_a_module_that_does_not_import(tmp_path: Path) -> None:
    package_dir = tmp_path / "pkg"
    package_dir.mkdir()
    (package_dir / "__init__.py").write_text("", encoding="utf-8")
    (package_dir / "broken.py").write_text("import no_such_module_anywhere\n", encoding="utf-8")
    (package_dir / _codegen.DOCUMENT_FILE).write_text('{"paths": {}}', encoding="utf-8")
    with _codegen.Finisher(tmp_path, "pkg", package_dir) as finisher:
        done = finisher.finish()
    assert [module for module, _ in done.import_failures] == ["pkg.broken"]
    assert "no_such_module_anywhere" in done.import_failures[0][1]
    assert not (package_dir / _codegen.NAMESPACES_PACKAGE).exists()
