from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import threading
import tomllib
from pathlib import Path
from typing import Any

import pytest
from issuetrak_tools import spec
from issuetrak_tools.cli import fetch_spec

from .conftest import Project, Route, Server, document_bytes, small_document

pytestmark = pytest.mark.network

DAY = dt.date(2026, 3, 14)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_spec, "today", lambda: DAY)


def fetch(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = fetch_spec.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def serve(server: Server, path: str, body: bytes, **route: Any) -> None:
    server.routes[path] = Route(body=body, **route)


def read_pin(project: Project, label: str) -> dict[str, Any]:
    return tomllib.loads((project.spec / label / "pin.toml").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


# --- success -----------------------------------------------------------------------------------


def test_site_document_is_found_under_api_v2_stored_and_pinned(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = document_bytes(small_document())
    serve(server, "/api/v2/swagger/v1/swagger.json", body)
    code, out, err = fetch(
        capsys, "--site", server.url, "--label", "things-1", "--token", "s3cret-token"
    )
    assert (code, err) == (0, "")
    assert (project.spec / "things-1" / "openapi.json").read_bytes() == body
    pin = read_pin(project, "things-1")
    assert pin["sha256"] == hashlib.sha256(body).hexdigest() and pin["size"] == len(body)
    assert pin["source"] == f"{server.url}/api/v2/swagger/v1/swagger.json"
    assert pin["captured"] == DAY.isoformat()
    assert pin["generator"] == f"openapi-python-client=={spec_version()}"
    assert (pin["openapi_version"], pin["info_version"], pin["label"]) == (
        "3.0.3",
        "1.0",
        "things-1",
    )
    assert "2 operations" in out and "make regen LABEL=things-1" in out
    sent = [headers.get("x-api-key") for _, headers in server.seen]
    assert sent and set(sent) == {"s3cret-token"}
    assert "s3cret" not in out + err


def spec_version() -> str:
    from importlib.metadata import version

    return version("openapi-python-client")


def test_site_given_with_api_v2_tries_the_same_locations(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/api/v2/swagger.json", document_bytes(small_document()))
    code, _, err = fetch(capsys, "--site", f"{server.url}/api/v2/", "--label", "things-1")
    assert (code, err) == (0, "")
    assert [path for path, _ in server.seen][-1] == "/api/v2/swagger.json"
    assert all(path.startswith(("/api/v2/", "/swagger/")) for path, _ in server.seen)


def test_pinned_issuetrak_document_served_by_a_site_is_pinned_as_is(
    project: Project,
    server: Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ISSUETRAK_PROJECT_ROOT")
    document = spec.load_document()  # the real pin, read at test time: never a stored copy
    monkeypatch.setenv("ISSUETRAK_PROJECT_ROOT", str(project.root))
    body = json.dumps(document).encode()
    serve(server, "/api/v2/swagger/v2/swagger.json", body)
    code, out, err = fetch(capsys, "--site", server.url, "--label", "site-copy")
    assert (code, err) == (0, "")
    assert f"{len(list(spec.iter_operations(document)))} operations" in out
    assert spec.load_pin("site-copy").sha256 == hashlib.sha256(body).hexdigest()
    assert spec.load_document("site-copy", patched=False) == document


def test_default_label_is_host_and_capture_date(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/api/v2/swagger/v2/swagger.json", document_bytes(small_document()))
    code, _, _ = fetch(capsys, "--site", server.url)
    assert code == 0
    assert (project.spec / f"127.0.0.1-{DAY.isoformat()}" / "pin.toml").is_file()


def test_spec_url_and_set_default(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/docs/openapi.json", document_bytes(small_document()))
    code, out, _ = fetch(
        capsys,
        "--spec-url",
        f"{server.url}/docs/openapi.json",
        "--label",
        "things-2",
        "--set-default",
    )
    assert code == 0
    assert spec.default_label() == "things-2"
    assert "make regen\n" in out
    assert spec.load_document()["info"]["title"] == "Things"


def test_from_file_records_the_file_as_source(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "things" / "openapi.json"
    source.parent.mkdir()
    source.write_bytes(document_bytes(small_document()))
    code, _, _ = fetch(capsys, "--from", str(source))
    assert code == 0
    pin = read_pin(project, f"things-{DAY.isoformat()}")
    assert pin["source"] == "file:" + os.path.relpath(source, project.root)


RATE_LIMIT_429 = {
    "op": "add",
    "path": "/paths/~1Things/get/responses/429",
    "value": {"description": "slow down"},
    "reason": "sites rate-limit",
}


def test_default_labels_overrides_are_carried_over_when_they_apply(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    body = document_bytes(small_document())
    base = project.pin("base", body)
    (base / "overrides.json").write_text(json.dumps([RATE_LIMIT_429]), encoding="utf-8")
    serve(server, "/api/v2/swagger/v2/swagger.json", body)
    code, out, _ = fetch(capsys, "--site", server.url, "--label", "next")
    assert code == 0, out
    assert "1 override(s) from" in out and ": 1 kept" in out
    carried = json.loads((project.spec / "next" / "overrides.json").read_text(encoding="utf-8"))
    assert carried == [RATE_LIMIT_429]
    assert not (project.spec / "next" / fetch_spec.UNAPPLIED_FILE).exists()


def _pin_base_with_four_overrides(project: Project, tmp_path: Path) -> tuple[list[Any], Path]:
    """A base label with its document here and four overrides, and a next release where one
    override's operation is gone and another's target holds something else."""
    old = small_document()
    old_body = document_bytes(old)
    base = project.pin("base", old_body)
    (base / "openapi.json").write_bytes(old_body)  # the old document is here: changes are seen
    thing = "/components/schemas/Thing/properties"
    patch = [
        RATE_LIMIT_429,
        {
            "op": "add",
            "path": "/paths/~1Things~1{id}/get/responses/429",
            "value": {"description": "slow down"},
            "reason": "sites rate-limit single things too",
        },
        {
            "op": "replace",
            "path": f"{thing}/name/type",
            "value": "string",
            "reason": "name is text (the document says so already; kept for safety)",
        },
        {
            "op": "add",
            "path": f"{thing}/id/format",
            "value": "int32",
            "reason": "ids are 32-bit",
        },
    ]
    (base / "overrides.json").write_text(json.dumps(patch), encoding="utf-8")
    new = small_document()
    del new["paths"]["/Things/{id}"]  # the release dropped GET /Things/{id}
    new["components"]["schemas"]["Thing"]["properties"]["id"]["format"] = "int64"
    source = tmp_path / "new.json"
    source.write_bytes(document_bytes(new))
    return patch, source


def test_one_override_that_no_longer_applies_is_listed_and_the_rest_are_carried(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    patch, source = _pin_base_with_four_overrides(project, tmp_path)
    code, out, err = fetch(capsys, "--from", str(source), "--label", "next")
    assert code == 0, err
    lines = out.splitlines()
    assert any(
        "4 override(s) from" in line
        and "2 kept, 1 changed (needing a decision, not carried), 1 vanished" in line
        for line in lines
    ), out
    vanished = [
        line
        for line in lines
        if "override #1 add /paths/~1Things~1{id}/get/responses/429 vanished:" in line
    ]
    assert len(vanished) == 1 and "drop it" in vanished[0]
    assert "its reason: sites rate-limit single things too" in vanished[0]
    changed = [line for line in lines if "override #3 add" in line and " changed: " in line]
    assert len(changed) == 1 and '"int64"' in changed[0], out
    assert "needs a decision, not carried" in changed[0] and "--carry-changed" in changed[0]
    carried = json.loads((project.spec / "next" / "overrides.json").read_text(encoding="utf-8"))
    assert carried == [patch[0], patch[2]]  # in order, reasons included
    unapplied = json.loads(
        (project.spec / "next" / fetch_spec.UNAPPLIED_FILE).read_text(encoding="utf-8")
    )
    assert [(e["status"], e["operation"]) for e in unapplied["operations"]] == [
        ("vanished", patch[1]),
        ("changed", patch[3]),
    ]
    assert unapplied["operations"][0]["advice"].startswith("drop it")
    # what was carried applies, and the vendor's new value is left as it is
    document = spec.load_document("next")
    assert document["paths"]["/Things"]["get"]["responses"]["429"]
    assert document["components"]["schemas"]["Thing"]["properties"]["id"]["format"] == "int64"


def test_carry_changed_carries_an_override_whose_target_the_vendor_changed(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    patch, source = _pin_base_with_four_overrides(project, tmp_path)
    code, out, err = fetch(capsys, "--from", str(source), "--label", "next", "--carry-changed")
    assert code == 0, err
    assert "2 kept, 1 changed, 1 vanished" in out and "carried as asked" in out
    carried = json.loads((project.spec / "next" / "overrides.json").read_text(encoding="utf-8"))
    assert carried == [patch[0], patch[2], patch[3]]
    document = spec.load_document("next")
    assert document["components"]["schemas"]["Thing"]["properties"]["id"]["format"] == "int32"


def test_a_replace_whose_target_the_vendor_changed_is_held_back_not_carried(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = small_document()
    base = project.pin("base", document_bytes(old))
    (base / "openapi.json").write_bytes(document_bytes(old))
    where = "/components/schemas/Thing/properties/id"
    fix = {"op": "replace", "path": where, "value": {"type": "string"}, "reason": "ids are text"}
    (base / "overrides.json").write_text(json.dumps([fix]), encoding="utf-8")
    new = small_document()
    new["components"]["schemas"]["Thing"]["properties"]["id"] = {
        "type": "number",
        "format": "int64",
    }
    source = tmp_path / "new.json"
    source.write_bytes(document_bytes(new))
    code, out, err = fetch(capsys, "--from", str(source), "--label", "next")
    assert code == 0, err
    (line,) = [line for line in out.splitlines() if f"override #0 replace {where} changed:" in line]
    assert '"format": "int64"' in line and "needs a decision" in line
    assert json.loads((project.spec / "next" / "overrides.json").read_text()) == []
    assert spec.load_document("next")["components"]["schemas"]["Thing"]["properties"]["id"] == {
        "type": "number",
        "format": "int64",
    }


def test_re_pinning_a_label_re_applies_its_own_overrides(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "first.json"
    first.write_bytes(document_bytes(small_document()))
    assert fetch(capsys, "--from", str(first), "--label", "things")[0] == 0
    folder = project.spec / "things"
    (folder / "overrides.json").write_text(json.dumps([RATE_LIMIT_429]), encoding="utf-8")
    renamed = small_document()
    renamed["paths"]["/Items"] = renamed["paths"].pop("/Things")  # the same operation, moved
    second = tmp_path / "second.json"
    second.write_bytes(document_bytes(renamed))
    code, out, _ = fetch(capsys, "--from", str(second), "--label", "things")
    assert code == 0
    assert "override #0 add /paths/~1Things/get/responses/429 vanished:" in out
    assert "the operation it belongs to is now at /paths/~1Items/get/responses/429" in out
    assert json.loads((folder / "overrides.json").read_text(encoding="utf-8")) == []
    (entry,) = json.loads((folder / fetch_spec.UNAPPLIED_FILE).read_text(encoding="utf-8"))[
        "operations"
    ]
    assert entry["proposed"] == {**RATE_LIMIT_429, "path": "/paths/~1Items/get/responses/429"}
    assert entry["advice"].startswith("rewrite")


def test_overrides_from_another_label_and_an_unknown_one(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = document_bytes(small_document())
    other = project.pin("other", body, default=False)
    (other / "overrides.json").write_text(json.dumps([RATE_LIMIT_429]), encoding="utf-8")
    source = tmp_path / "doc.json"
    source.write_bytes(body)
    code, out, _ = fetch(
        capsys, "--from", str(source), "--label", "n1", "--overrides-from", "other"
    )
    assert code == 0 and "1 kept" in out
    assert json.loads((project.spec / "n1" / "overrides.json").read_text()) == [RATE_LIMIT_429]
    assert_one_line_failure(
        *fetch(capsys, "--from", str(source), "--label", "n2", "--overrides-from", "nope")[::2],
        "--overrides-from 'nope': no such label",
        "and no such file",
    )
    assert not (project.spec / "n2").exists()


def _default_label_with_its_document(project: Project, overrides: list[Any]) -> None:
    body = document_bytes(small_document())
    base = project.pin("base", body)
    (base / "openapi.json").write_bytes(body)
    (base / "overrides.json").write_text(json.dumps(overrides), encoding="utf-8")


def other_vendors_document() -> dict[str, Any]:
    """Another API altogether: its own title and paths (a Things override has nothing to hold on to)."""
    document = small_document()
    document["info"]["title"] = "Parcels"
    document["paths"] = {"/Parcels": document["paths"].pop("/Things")}
    return document


def test_overrides_from_none_starts_the_label_with_no_overrides(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _default_label_with_its_document(project, [RATE_LIMIT_429])
    source = tmp_path / "doc.json"
    source.write_bytes(document_bytes(small_document()))
    code, out, _ = fetch(capsys, "--from", str(source), "--label", "n1", "--overrides-from", "none")
    assert code == 0 and "overrides: none (--overrides-from none)" in out
    assert json.loads((project.spec / "n1" / "overrides.json").read_text()) == []
    assert "429" not in spec.load_document("n1")["paths"]["/Things"]["get"]["responses"]


def test_overrides_from_a_patch_file(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    patch = tmp_path / "ours.json"
    patch.write_text(json.dumps([RATE_LIMIT_429]), encoding="utf-8")
    source = tmp_path / "doc.json"
    source.write_bytes(document_bytes(small_document()))
    code, out, _ = fetch(
        capsys, "--from", str(source), "--label", "n1", "--overrides-from", str(patch)
    )
    assert code == 0 and f"1 override(s) from {patch}: 1 kept" in out
    assert spec.load_document("n1")["paths"]["/Things"]["get"]["responses"]["429"]
    unreasoned = tmp_path / "bad.json"
    unreasoned.write_text(json.dumps([{"op": "remove", "path": "/info"}]), encoding="utf-8")
    assert_one_line_failure(
        *fetch(capsys, "--from", str(source), "--label", "n2", "--overrides-from", str(unreasoned))[
            ::2
        ],
        "has no 'reason'",
    )
    assert not (project.spec / "n2").exists()


@pytest.mark.parametrize("old_document_here", [True, False])
def test_a_first_pin_of_another_api_does_not_inherit_the_default_labels_overrides(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path, old_document_here: bool
) -> None:
    _default_label_with_its_document(project, [RATE_LIMIT_429])
    if not old_document_here:  # then only the overrides' targets tell the APIs apart
        (project.spec / "base" / "openapi.json").unlink()
    source = tmp_path / "parcels.json"
    source.write_bytes(document_bytes(other_vendors_document()))
    code, out, _ = fetch(capsys, "--from", str(source), "--label", "parcels")
    assert code == 0
    (line,) = [line for line in out.splitlines() if "overrides" in line]
    assert "none carried: this document is not the API that the 1 override(s) of 'base'" in line
    assert "--overrides-from base carries them anyway" in line and "vanished" not in out
    assert json.loads((project.spec / "parcels" / "overrides.json").read_text()) == []
    assert not (project.spec / "parcels" / fetch_spec.UNAPPLIED_FILE).exists()
    # asked for explicitly, they are carried (and reported) like any other
    code, out, _ = fetch(
        capsys, "--from", str(source), "--label", "parcels2", "--overrides-from", "base"
    )
    assert code == 0 and "1 vanished" in out


def test_refetching_a_label_replaces_document_and_pin_together(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = small_document(), small_document()
    second["info"]["version"] = "2.0"
    serve(server, "/api/v2/swagger/v2/swagger.json", document_bytes(first))
    assert fetch(capsys, "--site", server.url, "--label", "things-1")[0] == 0
    old_sha = read_pin(project, "things-1")["sha256"]
    serve(server, "/api/v2/swagger/v2/swagger.json", document_bytes(second))
    code, out, _ = fetch(capsys, "--site", server.url, "--label", "things-1")
    assert code == 0 and f"replacing sha256 {old_sha[:12]}" in out
    assert read_pin(project, "things-1")["info_version"] == "2.0"
    assert read_pin(project, "things-1")["document_version"] == "2.0"
    assert sorted(snapshot(project.spec / "things-1")) == ["openapi.json", "pin.toml"]


# --- failures: one line on stderr, exit 1, nothing written --------------------------------------


def assert_one_line_failure(code: int, err: str, *fragments: str) -> None:
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("fetch-spec: "), err
    for fragment in fragments:
        assert fragment in err, err


def assert_nothing_written(project: Project) -> None:
    assert sorted(p.name for p in project.spec.iterdir()) == ["default"]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.com/spec.json", "is not an http(s) URL"),
        ("example.issuetrak.com", "is not an http(s) URL"),
        ("https://", "is not an http(s) URL"),
        ("http://example.com", "uses plain http"),
        ("https://[::1", "Invalid IPv6 URL"),
        ("https://[::1/spec.json", "Invalid IPv6 URL"),
        ("https://example.com:99999", "Port out of range"),
        ("https://exa mple.com", "characters a host name cannot have"),
    ],
)
def test_bad_url(
    project: Project, capsys: pytest.CaptureFixture[str], url: str, fragment: str
) -> None:
    assert_one_line_failure(*fetch(capsys, "--site", url)[::2], fragment)
    assert_nothing_written(project)


def test_unreachable_site(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert_one_line_failure(
        *fetch(capsys, "--site", f"http://127.0.0.1:{port}")[::2],
        "cannot reach",
        f"127.0.0.1:{port}",
    )
    assert_nothing_written(project)


def test_http_error_status(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = fetch(capsys, "--spec-url", f"{server.url}/api/v2/swagger/v2/swagger.json")
    assert_one_line_failure(
        code, err, f"{server.url}/api/v2/swagger/v2/swagger.json answered 404 Not Found"
    )
    assert_nothing_written(project)


def test_unauthorised_answer_suggests_a_token(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/spec.json", b"", status=401)
    assert_one_line_failure(
        *fetch(capsys, "--spec-url", f"{server.url}/spec.json")[::2],
        "answered 401 Unauthorized",
        "--token",
    )


def test_site_without_a_document_lists_what_was_tried(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(
        server,
        "/api/v2/swagger.json",
        b"<!DOCTYPE html><html>login</html>",
        content_type="text/html",
    )
    code, _, err = fetch(capsys, "--site", server.url)
    assert_one_line_failure(
        code,
        err,
        "no OpenAPI document found",
        "tried: /api/v2/swagger/v2/swagger.json (404)",
        "/api/v2/swagger.json (200 text/html: not JSON",
        "--spec-url",
    )
    assert_nothing_written(project)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<!DOCTYPE html><html></html>", "is not JSON (it starts with '<!DOCTYPE html>"),
        (b'{"hello": "world"}', "is JSON but not an OpenAPI document (no 'openapi' field)"),
        (b'["openapi"]', "is JSON but not an OpenAPI document (top level is a list)"),
        (
            b'{"swagger": "2.0", "info": {}, "paths": {}}',
            "is a Swagger 2.0 document, not OpenAPI 3",
        ),
    ],
)
def test_not_an_openapi_document(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str], body: bytes, fragment: str
) -> None:
    serve(server, "/spec.json", body)
    assert_one_line_failure(
        *fetch(capsys, "--spec-url", f"{server.url}/spec.json")[::2],
        f"{server.url}/spec.json {fragment}",
    )
    assert_nothing_written(project)


def test_invalid_openapi_document_names_where(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    document = small_document()
    document["paths"]["/Things/{id}"]["get"]["parameters"][0]["in"] = "body"
    serve(server, "/spec.json", document_bytes(document))
    code, _, err = fetch(capsys, "--spec-url", f"{server.url}/spec.json")
    assert_one_line_failure(
        code, err, "is not a valid OpenAPI 3.0.3 document", "$.paths./Things/{id}.get.parameters[0]"
    )
    assert_nothing_written(project)


def test_slow_site_times_out(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/spec.json", b"{}", wait=threading.Event())
    code, _, err = fetch(capsys, "--spec-url", f"{server.url}/spec.json", "--timeout", "0.2")
    assert_one_line_failure(code, err, "did not answer within 0.2 s")


def test_failure_leaves_an_existing_label_untouched(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/spec.json", document_bytes(small_document()))
    assert fetch(capsys, "--spec-url", f"{server.url}/spec.json", "--label", "things-1")[0] == 0
    before = snapshot(project.spec / "things-1")
    serve(server, "/spec.json", b'{"openapi": "3.0.0"}')
    assert fetch(capsys, "--spec-url", f"{server.url}/spec.json", "--label", "things-1")[0] == 1
    assert snapshot(project.spec / "things-1") == before


def test_a_crash_between_the_two_renames_restores_the_old_pair(
    project: Project,
    server: Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve(server, "/spec.json", document_bytes(small_document()))
    assert fetch(capsys, "--spec-url", f"{server.url}/spec.json", "--label", "things-1")[0] == 0
    before = snapshot(project.spec / "things-1")
    changed = small_document()
    changed["info"]["version"] = "9"
    serve(server, "/spec.json", document_bytes(changed))
    real_replace, calls = os.replace, []

    def failing_second_replace(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(fetch_spec.os, "replace", failing_second_replace)
    code, _, err = fetch(capsys, "--spec-url", f"{server.url}/spec.json", "--label", "things-1")
    monkeypatch.undo()
    assert_one_line_failure(code, err, "cannot store the document", "nothing was changed")
    assert snapshot(project.spec / "things-1") == before


def test_token_is_not_sent_to_another_origin_on_redirect(
    project: Project, server_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    site, elsewhere = server_factory(), server_factory()
    serve(
        site,
        "/api/v2/swagger/v2/swagger.json",
        b"",
        status=302,
        headers={"Location": f"{elsewhere.url}/doc.json"},
    )
    serve(elsewhere, "/doc.json", document_bytes(small_document()))
    code, _, _ = fetch(capsys, "--site", site.url, "--label", "things-1", "--token", "s3cret")
    assert code == 0
    assert site.seen[0][1].get("x-api-key") == "s3cret"
    assert [h.get("x-api-key") for _, h in elsewhere.seen] == [None]


def test_token_from_the_environment(
    project: Project,
    server: Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ISSUETRAK_TOKEN", "from-env")
    serve(server, "/spec.json", document_bytes(small_document()))
    assert fetch(capsys, "--spec-url", f"{server.url}/spec.json", "--label", "t")[0] == 0
    assert server.seen[0][1]["x-api-key"] == "from-env"


def test_label_that_is_not_a_folder_name_is_refused(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_one_line_failure(
        *fetch(capsys, "--from", "x.json", "--label", "../escape")[::2],
        "label '../escape' is not usable",
    )


def test_site_given_as_the_documents_own_url_is_fetched_as_such(
    project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(server, "/custom/place/spec.json", document_bytes(small_document()))
    code, _, err = fetch(
        capsys, "--site", f"{server.url}/custom/place/spec.json", "--label", "things-1"
    )
    assert (code, err) == (0, "")
    assert [path for path, _ in server.seen] == ["/custom/place/spec.json"]
