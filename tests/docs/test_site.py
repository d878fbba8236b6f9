"""The documentation site builds with ``mkdocs build --strict``: every page is in the navigation,
every link and anchor resolves, and the API reference renders from the code's docstrings.
README.md, read on the repository's front page, links only to pages that exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # mkdocs's own dependency, here to read mkdocs.yml

from .examples import REPO

DOCS = REPO / "docs"


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}
    result = subprocess.run(  # what `make docs` runs, so its output is what a contributor sees
        ["make", "--no-print-directory", "docs", f"PY={sys.executable}", f"SITE_DIR={site}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "end of life" not in result.stdout + result.stderr
    reference = (site / "reference" / "issuetrak" / "index.html").read_text(encoding="utf-8")
    for name in (
        "issuetrak.Issuetrak",
        "issuetrak.AsyncIssuetrak",
        "issuetrak.Issuetrak.with_options",
    ):
        assert f'id="{name}"' in reference, name
    for page in ("filters", "errors", "auth", "mock"):
        assert (site / "reference" / page / "index.html").is_file()
    assert_the_reference_lists_every_export_and_namespace_method(site / "reference")


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))


def assert_the_reference_lists_every_export_and_namespace_method(reference: Path) -> None:
    import importlib

    import issuetrak
    from issuetrak._versions import default_version

    documented = set().union(*(_ids(page) for page in reference.rglob("index.html")))
    exported = {name for name in issuetrak.__all__ if not name.startswith("__")}
    shown = {name for name in exported if f"issuetrak.{name}" in documented}
    shown |= {name for name in exported if f"issuetrak.errors.{name}" in documented}
    shown |= {name for name in exported if f"issuetrak.auth.{name}" in documented}
    assert shown == exported
    # a class listed whole, not its helpers
    assert not {i for i in documented if i.startswith("issuetrak.RateLimiter.")}
    package = f"{default_version().package}.namespaces"
    namespaces = importlib.import_module(package)
    for tag in namespaces.TAGS:
        module = importlib.import_module(f"{package}.{tag}")
        cls = next(c for c in vars(module).values() if getattr(c, "_tag", None) == tag)
        methods = {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}
        prefix = f"{package}.{tag}.{cls.__name__}."
        assert {f"{prefix}{n}" for n in methods} <= documented, tag


def _nav_pages(entries: object) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in _nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    return []


def test_the_navigation_covers_every_page() -> None:
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    in_nav = set(_nav_pages(config["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert on_disk == in_nav


def test_the_readme_is_short_and_its_links_resolve() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 250
    first_screen = "\n".join(lines[:40])
    assert "make install && make contract" in first_screen
    assert "make install && make test" in first_screen
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert any(target.startswith("docs/") for target in targets)
    missing = [t for t in targets if "://" not in t and not (REPO / t).exists()]
    assert not missing, missing
