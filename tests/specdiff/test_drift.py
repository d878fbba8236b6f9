from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from issuetrak import Issuetrak
from issuetrak_tools._evolution.drift import WriteRefused, crawl, ensure_read_only
from issuetrak_tools._evolution.drift_report import DriftReport, build_report, report_markdown
from issuetrak_tools.cli import drift as drift_cli
from issuetrak_tools.spec import apply_overrides, load_document

issuetrak_mock = pytest.importorskip("issuetrak_mock")

Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]


class DriftingSite:
    """ASGI middleware: every User a response carries gains ``lastLoginSource`` and says it signs in by SAML."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @staticmethod
    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [DriftingSite.rewrite(item) for item in node]
        if isinstance(node, dict):
            node = {key: DriftingSite.rewrite(value) for key, value in node.items()}
            if isinstance(node.get("authenticationType"), str):
                node["authenticationType"] = "SAML"
                node["lastLoginSource"] = "sso-gateway"
        return node

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            if body and any(k.lower() == b"content-type" and b"json" in v for k, v in headers):
                body = json.dumps(self.rewrite(json.loads(body))).encode()
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def sync_transport(app: Any, sent: list[tuple[str, str]]) -> httpx.MockTransport:
    """The ASGI app behind a synchronous transport (the SDK client is synchronous)."""
    asgi = httpx.ASGITransport(app=app)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path))

        # a fresh request: the transport has already consumed the original's stream
        copy = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.content
        )

        async def call() -> httpx.Response:
            response = await asgi.handle_async_request(copy)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return anyio.run(call)

    return httpx.MockTransport(handler)


def mock_site(*, drifting: bool) -> tuple[Any, Any]:
    app = issuetrak_mock.create_app(seed=3, rate_limits=None, issues=12, users=4)
    return (DriftingSite(app) if drifting else app), app.state.tokens["admin"]


def client_for(app: Any, token: str, sent: list[tuple[str, str]]) -> Issuetrak:
    return Issuetrak(
        "http://mock.test/api/v2",
        token,
        transport=sync_transport(app, sent),
        rate_limits=None,
        allow_insecure_http=True,
        max_retries=0,
    )


def drift_of(*, drifting: bool, sent: list[tuple[str, str]] | None = None) -> DriftReport:
    app, token = mock_site(drifting=drifting)
    document = load_document()
    with client_for(app, token, sent if sent is not None else []) as client:
        result = crawl(client, document, max_pages=2, page_size=3)
    return build_report(document, result, site="mock", label="cloud-2026.07")


def test_mock_variant_with_an_extra_field_and_an_unknown_enum_value_gets_exactly_those_overrides() -> (
    None
):
    report = drift_of(drifting=True)
    assert [(op["op"], op["path"], op["value"]) for op in report.proposal] == [
        ("add", "/components/schemas/User/properties/lastLoginSource", {"type": "string"}),
        ("add", "/components/schemas/UserAuthenticationType/enum/-", "SAML"),
    ]
    assert "lastLoginSource" in report.proposal[0]["reason"]
    assert "'SAML'" in report.proposal[1]["reason"] and "GET /Users" in report.proposal[1]["reason"]
    assert {(f.kind, f.location) for f in report.findings} == {
        ("undocumented-property", "User.lastLoginSource"),
        ("undocumented-enum-value", "User.authenticationType"),
    }
    assert report.remaining == []  # the proposal is enough


def test_the_proposal_applies_to_the_pinned_document_like_overrides_json() -> None:
    report = drift_of(drifting=True)
    patched = apply_overrides(load_document(), report.proposal)
    assert "SAML" in patched["components"]["schemas"]["UserAuthenticationType"]["enum"]
    assert patched["components"]["schemas"]["User"]["properties"]["lastLoginSource"] == {
        "type": "string"
    }


def test_the_unchanged_mock_shows_no_drift() -> None:
    report = drift_of(drifting=False)
    assert report.findings == [] and report.proposal == []
    assert len(report.crawl.exchanges) > 60


def test_the_crawl_sends_only_gets_and_searches() -> None:
    sent: list[tuple[str, str]] = []
    drift_of(drifting=False, sent=sent)
    assert {m for m, _ in sent} == {"GET", "POST"}
    assert all(m == "GET" or p.endswith("/Search") for m, p in sent)
    assert ("GET", "/api/v2/Users") in sent and ("POST", "/api/v2/Issues/Search") in sent
    assert any(m == "GET" and p.startswith("/api/v2/Issues/") and p[-1].isdigit() for m, p in sent)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/Causes/1"),
        ("DELETE", "/Users/1/Memberships/Groups"),
        ("PATCH", "/Issues/1"),
        ("POST", "/Causes"),
        ("POST", "/Issues/Create"),
    ],
)
def test_anything_but_a_read_is_refused(method: str, path: str) -> None:
    with pytest.raises(WriteRefused, match=f"refusing to send {method} {path}"):
        ensure_read_only(method, path)


def test_reads_and_searches_pass_the_read_only_check() -> None:
    ensure_read_only("GET", "/Causes")
    ensure_read_only("post", "/Issues/Search")


def test_cli_writes_report_json_and_proposed_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, token = mock_site(drifting=True)
    options = {
        "transport": sync_transport(app, []),
        "rate_limits": None,
        "allow_insecure_http": True,
    }
    argv = [
        "--site",
        "http://mock.test",
        "--token",
        token,
        "--output-dir",
        str(tmp_path),
        "--max-pages",
        "1",
    ]
    assert drift_cli.run(argv, client_options=options) == 0
    proposed = json.loads((tmp_path / "overrides.proposed.json").read_text())
    assert [op["path"] for op in proposed] == [
        "/components/schemas/User/properties/lastLoginSource",
        "/components/schemas/UserAuthenticationType/enum/-",
    ]
    assert all(op["reason"].strip() for op in proposed)
    report = (tmp_path / "drift-report.md").read_text()
    assert (
        "## Undocumented properties (1)" in report and "## Undocumented enum values (1)" in report
    )
    assert json.loads((tmp_path / "drift.json").read_text())["remaining_after_proposal"] == 0
    err = capsys.readouterr().err
    assert "  GET /Users -> 200\n" in err  # progress, one line per request
    assert "2 proposed override(s)" in err
    options["transport"] = sync_transport(app, [])
    assert drift_cli.run([*argv, "--fail-on-drift"], client_options=options) == 1


def test_cli_stops_with_a_clear_message_when_the_token_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, _ = mock_site(drifting=False)
    options = {
        "transport": sync_transport(app, []),
        "rate_limits": None,
        "allow_insecure_http": True,
    }
    argv = ["--site", "http://mock.test", "--token", "not-a-token", "--output-dir", str(tmp_path)]
    assert drift_cli.run(argv, client_options=options) == 3  # could not check, as contract's 3
    err = capsys.readouterr().err
    assert err.count("refused the token") == 1 and err.startswith("issuetrak drift: ")
    assert not (tmp_path / "drift-report.md").exists()


def test_markdown_lists_every_finding_with_its_operations() -> None:
    text = report_markdown(drift_of(drifting=True))
    assert "`User.lastLoginSource`" in text and "`SAML`" in text
    assert "With the proposal applied, every observed response validates strictly." in text
