"""Redaction finds a registered secret in any letter case, in ASCII text (the path every log
record takes) and in text with other characters, also for a secret that is not ASCII."""

from __future__ import annotations

from urllib.parse import quote

from issuetrak._secrets import REDACTED, contains_secret, redact, remember

ASCII_TOKEN = "itk_lazy_Forms_7c1d9e"
WIDE_TOKEN = "itk_wïde_tøken_3a8f"


def test_an_ascii_secret_is_found_in_any_case_in_ascii_and_in_wider_text() -> None:
    remember(ASCII_TOKEN)
    for text in (
        f"GET /x?key={ASCII_TOKEN.upper()} failed",
        f"déjà vu: {ASCII_TOKEN.lower()} — again",
    ):
        assert contains_secret(text)
        assert redact(text).count(REDACTED) == 1 and ASCII_TOKEN.lower() not in redact(text).lower()
    assert not contains_secret("nothing to see here, só texto")
    assert redact("plain words") == "plain words"


def test_a_secret_that_is_not_ascii_is_found_as_it_is_and_url_encoded() -> None:
    remember(WIDE_TOKEN)
    for text in (f"echo: {WIDE_TOKEN}", f"echo: {quote(WIDE_TOKEN, safe='')}"):
        assert contains_secret(text)
        assert REDACTED in redact(text)
