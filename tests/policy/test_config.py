from __future__ import annotations

import re

import httpx
import pytest
from issuetrak import AsyncIssuetrak, ConfigurationError, Issuetrak

TOKEN = "tok-3b9f0c1e-SECRET-do-not-log"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISSUETRAK_BASE_URL", raising=False)
    monkeypatch.delenv("ISSUETRAK_TOKEN", raising=False)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://example.issuetrak.com", "https://example.issuetrak.com/api/v2"),
        ("https://example.issuetrak.com/", "https://example.issuetrak.com/api/v2"),
        ("https://example.issuetrak.com/api/v2/", "https://example.issuetrak.com/api/v2"),
        ("https://example.com/issuetrak", "https://example.com/issuetrak/api/v2"),
        ("example.issuetrak.com", "https://example.issuetrak.com/api/v2"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/v2"),
        ("http://127.9.9.9", "http://127.9.9.9/api/v2"),
        ("http://[::1]:5000", "http://[::1]:5000/api/v2"),
        ("http://localhost:5000/API/V2", "http://localhost:5000/API/V2"),
    ],
)
def test_base_url_is_normalised_to_the_api_v2_root(given: str, expected: str) -> None:
    with Issuetrak(given, token=TOKEN, rate_limits=None) as client:
        assert str(client.base_url) == expected


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(
        ConfigurationError, match=r"refusing plain http:// to example\.com.*allow_insecure_http"
    ):
        Issuetrak("http://example.com", token=TOKEN)


def test_plain_http_is_allowed_when_asked_for() -> None:
    with Issuetrak("http://10.0.0.5", token=TOKEN, allow_insecure_http=True) as client:
        assert client.base_url.scheme == "http"


def test_api_v1_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="API v1"):
        Issuetrak("https://example.com/api/v1", token=TOKEN)


def test_missing_token_fails_at_construction_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="ISSUETRAK_TOKEN") as info:
        Issuetrak("https://example.com")
    assert isinstance(info.value, ValueError)
    with pytest.raises(ConfigurationError, match="ISSUETRAK_TOKEN"):
        AsyncIssuetrak("https://example.com", token="  ")


def test_missing_base_url_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="ISSUETRAK_BASE_URL"):
        Issuetrak(token=TOKEN)


def test_environment_supplies_url_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSUETRAK_BASE_URL", "https://env.issuetrak.test")
    monkeypatch.setenv("ISSUETRAK_TOKEN", TOKEN)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"traceId": "t"})

    with Issuetrak(transport=httpx.MockTransport(handler), rate_limits=None) as client:
        client.request("GET", "/Users")
    assert str(seen[0].url) == "https://env.issuetrak.test/api/v2/Users"
    assert seen[0].headers["X-Api-Key"] == TOKEN


def test_unknown_with_options_name_is_a_clear_error() -> None:
    with (
        Issuetrak("https://x.test", token=TOKEN) as client,
        pytest.raises(TypeError, match="retries"),
    ):
        client.with_options(retries=2)


def test_bad_rate_limits_value_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="rate_limits must be"):
        Issuetrak("https://x.test", token=TOKEN, rate_limits=20)  # type: ignore[arg-type]


def test_context_managers_close_the_pool(unique_token: str) -> None:
    with Issuetrak("https://x.test", token=unique_token) as client:
        pass
    assert client._http.is_closed


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("https://exa mple.com", "is not a valid host name"),
        ("https://example.com:99999", "out of range"),
        ("https://[::1", "invalid base URL"),
        ("https://user:secret@example.com", "must not contain a user name or password"),
        (
            "https://example.com/api/v2/Users/5",
            "goes past the API root; use 'https://example.com/api/v2'",
        ),
    ],
)
def test_malformed_base_url_is_refused_naming_the_problem(given: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(fragment)) as info:
        Issuetrak(given, token=TOKEN)
    assert "secret" not in str(info.value)


def test_internationalised_host_is_accepted_in_its_ascii_form() -> None:
    with Issuetrak("https://bücher.example", token=TOKEN, rate_limits=None) as client:
        assert str(client.base_url) == "https://xn--bcher-kva.example/api/v2"


def test_recorded_request_of_a_successful_call_has_no_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"traceId": "t"})

    with Issuetrak(
        "https://x.test", token=TOKEN, transport=httpx.MockTransport(handler), rate_limits=None
    ) as client:
        response = client.request("GET", "/Users")
    assert seen[0].headers["X-Api-Key"] == TOKEN  # sent on the wire
    assert "X-Api-Key" not in response.request.headers  # but not kept on what the caller gets
    assert TOKEN not in repr(response.request.headers) + repr(response.extensions)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"timeout": "5"}, "timeout must be seconds (a number), None or an httpx.Timeout, got str"),
        ({"timeout": -1}, "timeout must be > 0 seconds (or None for none), got -1"),
        ({"timeout": httpx.Timeout(5, read=0)}, "timeout must be > 0 seconds"),
        ({"token": 123}, "the API token must be a string, got int"),
        ({"max_retries": True}, "max_retries must be an int >= 0, got True"),
    ],
)
def test_bad_option_values_fail_at_construction_naming_the_option(
    options: dict[str, object], fragment: str
) -> None:
    kwargs = {"token": TOKEN, **options}
    with pytest.raises(ValueError, match=re.escape(fragment)):
        Issuetrak("https://x.test", **kwargs)  # type: ignore[arg-type]


def test_bad_per_call_timeout_is_refused_before_anything_is_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    with (
        Issuetrak(
            "https://x.test", token=TOKEN, transport=httpx.MockTransport(handler), rate_limits=None
        ) as client,
        pytest.raises(ConfigurationError, match="timeout must be seconds"),
    ):
        client.request("GET", "/Users", timeout="3")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url", ["http://localhost:8080", "http://127.0.0.1", "http://127.9.9.9:81", "http://[::1]:8000"]
)
def test_plain_http_is_allowed_to_literal_loopback_and_localhost(url: str) -> None:
    from issuetrak._config import resolve_base_url

    assert resolve_base_url(url).scheme == "http"


@pytest.mark.parametrize(
    "url",
    [
        "http://x.localhost",
        "http://mock.localhost:8000",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0",
        "http://[::]",
    ],
)
def test_plain_http_to_a_name_resolved_through_dns_is_refused(url: str) -> None:
    from issuetrak import ConfigurationError
    from issuetrak._config import resolve_base_url

    with pytest.raises(ConfigurationError, match="refusing plain http://"):
        resolve_base_url(url)
