"""Reports name the check, reproduce with curl, carry the trace id and never the token."""

from __future__ import annotations

from issuetrak_tools._contract.report import FailureRecord, Recorder, render_markdown, trace_id_of

TOKEN = "itk_secret_token_0123456789"


def _recorder() -> Recorder:
    recorder = Recorder(secrets=(TOKEN,))
    recorder.saw_case("GET /Users/{iid}")
    recorder.ran_check("trace_id_present")
    recorder.add_failure(
        FailureRecord(
            operation="GET /Users/{iid}",
            check="response_schema_conformance",
            title="Response violates schema",
            message=f"sent with X-Api-Key {TOKEN}",
            status_code=200,
            trace_id="0HMGDP8E63BDF:00000004",
            curl=f"curl -X GET -H 'X-Api-Key: {TOKEN}' https://x.invalid/api/v2/Users/1",
        )
    )
    return recorder


def test_markdown_lists_each_failure_with_check_curl_and_trace_id() -> None:
    text = render_markdown(
        _recorder(),
        target="https://x.invalid/api/v2",
        label="cloud-2026.07",
        allowed="read",
        stats={
            "requests_sent": 12,
            "writes_sent": 0,
            "limiter_wait_seconds": 1.5,
            "limiter_waits": 3,
        },
        expected_operations=127,
        duration=2.0,
    )
    assert "FAILED: 1 distinct deviation" in text
    assert "`GET /Users/{iid}` - `response_schema_conformance`" in text
    assert "trace id `0HMGDP8E63BDF:00000004`" in text
    assert "curl -X GET -H 'X-Api-Key: [REDACTED]'" in text
    assert "Requests sent:** 12 (0 writes)" in text
    assert "waited 1.50 s" in text
    assert "Operations tested:** 1 of 127" in text
    assert "| `response_schema_conformance` | 1 | `GET /Users/{iid}` |" in text


def test_token_never_reaches_the_report() -> None:
    recorder = _recorder()
    text = render_markdown(
        recorder, target="t", label="l", allowed="read", stats={}, expected_operations=1, duration=0
    )
    assert TOKEN not in text
    assert TOKEN not in str(recorder.to_json())


def test_same_failure_is_reported_once() -> None:
    recorder = _recorder()
    recorder.add_failure(next(iter(recorder.failures.values())))
    assert len(recorder.failures) == 1


def test_trace_id_comes_from_the_json_body() -> None:
    assert trace_id_of(b'{"traceId": "abc:1", "values": []}') == "abc:1"
    assert trace_id_of(b"") is None
    assert trace_id_of(b"not json") is None


def test_curl_reproductions_show_the_body_sent_and_hide_only_the_token() -> None:
    import httpx
    import issuetrak_mock
    from issuetrak_tools._contract.document import load_contract_document
    from issuetrak_tools._contract.report import curl_of
    from issuetrak_tools._contract.schema import RunSettings, build_schema
    from issuetrak_tools._contract.target import open_target

    app = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=5)
    token = app.state.tokens["admin"]
    target = open_target(app=app, token=token)
    try:
        schema = build_schema(load_contract_document(), target, RunSettings(), Recorder())
        case = schema["/Causes/Search"]["POST"].Case(
            body={"authorName": "Ann", "apiKeyLabel": "k1", "pageNumber": 1}
        )
        curl = case.as_curl_command(headers=dict(target.headers), base_url=target.base_url)
    finally:
        target.close()
    assert '"authorName": "Ann"' in curl and '"apiKeyLabel": "k1"' in curl  # not "[Filtered]"
    assert token not in curl and "X-Api-Key: [Filtered]" in curl
    request = httpx.Request(
        "POST",
        "https://x.example/api/v2/Causes/Search",
        headers={"X-Api-Key": token},
        json={"sessionNote": "n"},
    )
    plain = curl_of(request, (token,))
    assert "sessionNote" in plain and token not in plain and "[REDACTED]" in plain


def test_the_report_lists_what_was_left_unchecked_rate_limiting_and_tolerances() -> None:
    recorder = _recorder()
    recorder.left_unchecked("depth", "depth GET /Users #1")
    recorder.was_rate_limited(f"rate limited: GET /Users still answered 429 ({TOKEN})")
    recorder.tolerated("date_time_without_offset", 3)
    text = render_markdown(
        recorder,
        target="t",
        label="l",
        allowed="read",
        stats={"max_requests": 400},
        expected_operations=1,
        duration=0,
        tolerances={
            "date_time_without_offset": "date-times without an offset pass",
            "problem_json_400": "never applied in this run",
            "document:open_request_bodies": "always applied",
        },
    )
    assert "## Left unchecked" in text and "`depth GET /Users #1`" in text
    assert "## Rate limited" in text and TOKEN not in text
    assert "`date_time_without_offset`: date-times without an offset pass (3 times)" in text
    assert "`document:open_request_bodies`" in text
    assert "problem_json_400" not in text  # a tolerance is listed only where it applied
