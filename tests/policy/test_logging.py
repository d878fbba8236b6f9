from __future__ import annotations

import logging

import httpx
import pytest
from issuetrak import AuthenticationError, InternalServerError, _logging

API = "/api/v2"
TOKEN = "tok-3b9f0c1e-SECRET-do-not-log"


def test_one_info_line_per_request_with_method_path_status_attempt_and_trace(
    make_client, scripted, caplog: pytest.LogCaptureFixture
) -> None:
    script = scripted(
        ("GET", f"{API}/Users/4", httpx.Response(503)),
        ("GET", f"{API}/Users/4", httpx.Response(200, json={"traceId": "0HM:0001", "values": {}})),
    )
    with caplog.at_level(logging.INFO, logger="issuetrak"):
        make_client(script).request("GET", "/Users/4", params={"q": "x"})
    info = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(info) == 1
    line = info[0].getMessage()
    assert line.startswith("GET /Users/4 -> 200 OK in ")
    assert "attempt 2" in line and "trace 0HM:0001" in line and "ms" in line


def test_every_retry_decision_is_logged_at_debug(make_client, scripted, caplog) -> None:
    script = scripted(
        ("GET", f"{API}/Users", httpx.Response(502)),
        ("GET", f"{API}/Users", httpx.Response(502)),
        ("POST", f"{API}/Notes", httpx.Response(503)),
    )
    client = make_client(script, max_retries=1)
    with caplog.at_level(logging.DEBUG, logger="issuetrak"), pytest.raises(InternalServerError):
        client.request("GET", "/Users")
    with caplog.at_level(logging.DEBUG, logger="issuetrak"), pytest.raises(InternalServerError):
        client.request("POST", "/Notes", json={})
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.startswith("retrying GET /Users after 502") for m in debug)
    assert any(m.startswith("giving up on GET /Users after 502") for m in debug)
    assert any(m.startswith("not retrying POST /Notes after 503") for m in debug)


def test_token_is_never_in_logs_errors_or_reprs(make_client, scripted, caplog) -> None:
    script = scripted(
        ("GET", f"{API}/Users", httpx.ConnectError("refused")),
        ("GET", f"{API}/Users", httpx.Response(401)),
    )
    client = make_client(script)
    with (
        caplog.at_level(logging.DEBUG, logger="issuetrak"),
        pytest.raises(AuthenticationError) as info,
    ):
        client.request("GET", "/Users")
    error = info.value
    texts = [
        caplog.text,
        str(error),
        repr(error),
        repr(error.request_headers),
        repr(client),
        repr(client._api),
    ]
    assert all(TOKEN not in text for text in texts)
    assert error.request_headers["x-api-key"] == "[REDACTED]"
    # the server did receive it
    assert script.requests[-1].headers["X-Api-Key"] == TOKEN


def test_issuetrak_log_env_attaches_a_stderr_handler(monkeypatch, capsys) -> None:
    logger = logging.getLogger("issuetrak")
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logger.level)
    monkeypatch.setenv("ISSUETRAK_LOG", "debug")
    _logging.setup_logging()
    assert logger.level == logging.DEBUG
    logger.debug("hello from the test")
    assert "hello from the test" in capsys.readouterr().err


def test_unset_issuetrak_log_changes_nothing(monkeypatch) -> None:
    logger = logging.getLogger("issuetrak")
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.delenv("ISSUETRAK_LOG", raising=False)
    _logging.setup_logging()
    assert logger.handlers == []


def test_rate_limit_waits_are_logged_at_debug(make_client, scripted, fake_time, caplog) -> None:
    from issuetrak import RateLimiter, RateLimits, Window

    limiter = RateLimiter(RateLimits([Window(1, 1.0)], margin=0.0), clock=fake_time.clock)
    ok = httpx.Response(200, json={"traceId": "t"})
    script = scripted(("GET", f"{API}/Users", ok), ("GET", f"{API}/Users", ok))
    client = make_client(script, rate_limits=limiter)
    with caplog.at_level(logging.DEBUG, logger="issuetrak"):
        client.request("GET", "/Users")
        client.request("GET", "/Users")
    assert "rate limit: GET /Users waits 1.000 s for a free slot (read)" in caplog.text


def test_chained_transport_error_does_not_hold_the_signed_request(make_client, scripted) -> None:
    from issuetrak import APIConnectionError

    script = scripted(("POST", f"{API}/Notes", httpx.RemoteProtocolError("eof")))
    with pytest.raises(APIConnectionError) as info:
        make_client(script).request("POST", "/Notes", json={})
    cause = info.value.__cause__
    assert isinstance(cause, httpx.RemoteProtocolError)
    assert "X-Api-Key" not in cause.request.headers
    assert TOKEN not in str(info.value)


def test_unknown_issuetrak_log_value_is_reported_not_ignored(monkeypatch) -> None:
    logger = logging.getLogger("issuetrak")
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setenv("ISSUETRAK_LOG", "verbose")
    with pytest.warns(UserWarning, match=r"ISSUETRAK_LOG='verbose' is not one of debug, info"):
        _logging.setup_logging()
    assert logger.handlers == []


def test_issuetrak_log_info_logs_requests_but_not_retry_decisions(
    monkeypatch, capsys, make_client, scripted
) -> None:
    logger = logging.getLogger("issuetrak")
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logger.level)
    monkeypatch.setenv("ISSUETRAK_LOG", "INFO")
    script = scripted(
        ("GET", f"{API}/Users/4", httpx.Response(503)),
        ("GET", f"{API}/Users/4", httpx.Response(200, json={"traceId": "0HM:0002"})),
    )
    make_client(script).request("GET", "/Users/4")
    err = capsys.readouterr().err
    assert "INFO issuetrak: GET /Users/4 -> 200 OK in " in err
    assert "(attempt 2, trace 0HM:0002)" in err
    assert "retrying" not in err and TOKEN not in err


def test_info_logging_leaves_a_streamed_non_json_success_unread(
    make_client, scripted, caplog: pytest.LogCaptureFixture
) -> None:
    body = httpx.ByteStream(b"plain text, possibly a large download")
    script = scripted(
        (
            "GET",
            f"{API}/Authenticate/test",
            httpx.Response(200, stream=body, headers={"content-type": "text/plain"}),
        ),
    )
    client = make_client(script)
    http = client._api.get_httpx_client()
    with (
        caplog.at_level(logging.INFO, logger="issuetrak"),
        http.stream("GET", "/Authenticate/test") as response,
    ):
        assert not response.is_stream_consumed
        assert response.read() == b"plain text, possibly a large download"
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert line.startswith("GET /Authenticate/test -> 200 OK") and line.endswith("trace -)")
