"""What a newcomer reads: sample output that matches the document, pages that say how long and
how to install, examples without repeated lines."""

from __future__ import annotations

import ast
import re
from collections import Counter

import pytest
from issuetrak.versions import resolve

from .examples import PYTHON, REPO, pages, read_blocks

_OPERATION = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9{}/._-]*[A-Za-z0-9}])")


def _documented(method: str, path: str, document: dict[str, object]) -> bool:
    paths = document["paths"]
    assert isinstance(paths, dict)
    for template, item in paths.items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path, re.IGNORECASE) and method.lower() in item:
            return True
    return False


_LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR) issuetrak", re.MULTILINE)


def test_sample_log_output_names_only_operations_the_document_has() -> None:
    document = resolve().document()
    wrong = [
        f"{block.where}: {method} {path}"
        for page in pages()
        for block in read_blocks(page)
        if block.language in ("text", "console")
        for line in block.code.splitlines()
        if _LOG_LINE.match(line)
        for method, path in _OPERATION.findall(line)
        if not _documented(method, path.split("?")[0], document)
    ]
    assert wrong == []


_ERROR_MESSAGE = re.compile(
    r"(?:\d{3} [A-Z][A-Za-z ]+ on |[A-Z][A-Za-z]*Error: )" + _OPERATION.pattern[2:]
)


def test_sample_error_messages_name_only_operations_the_document_has() -> None:
    """An error message quoted anywhere on a page (prose or block) names a real operation."""
    document = resolve().document()
    wrong = [
        f"{page.relative_to(REPO)}: {method} {path}"
        for page in pages()
        for method, path in _ERROR_MESSAGE.findall(page.read_text(encoding="utf-8"))
        if not _documented(method, path.split("?")[0], document)
    ]
    assert wrong == []


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_example_imports_the_same_name_twice(page: object) -> None:
    for block in read_blocks(page):  # type: ignore[arg-type]
        if block.language not in PYTHON:
            continue
        imported = Counter(
            (getattr(node, "module", None), alias.name)
            for node in ast.parse(block.code).body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        )
        assert [name for name, count in imported.items() if count > 1] == [], block.where


def test_the_readme_says_how_to_install_before_the_package_is_published() -> None:
    install = (REPO / "README.md").read_text(encoding="utf-8").split("## Install", 1)[1]
    install = install.split("\n## ", 1)[0]
    assert "not published" in install  # so `pip install issuetrak` failing is no surprise
    assert "make wheel" in install and 'pip install "dist/issuetrak-' in install


def test_the_readme_says_how_long_the_tests_take() -> None:
    first_screen = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:20])
    assert re.search(r"tests\b[^\n]*\d+ min", first_screen)


def test_the_mock_page_names_only_the_mock_command_options() -> None:
    from issuetrak_mock.__main__ import _parser

    options = {o for action in _parser()._actions for o in action.option_strings}
    text = (REPO / "docs" / "mock.md").read_text(encoding="utf-8")
    edges = text.split("### What the mock answers at the edges", 1)[1]
    named = set(re.findall(r"`(--[a-z][a-z-]*)", edges))
    assert named <= options, named - options
