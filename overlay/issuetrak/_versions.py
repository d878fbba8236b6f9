"""Which generated package serves which pinned Issuetrak version.

``issuetrak regen`` writes one openapi-python-client package per pinned label under the single
import point ``issuetrak_client``::

    issuetrak_client/__init__.py           DEFAULT_LABEL, DEFAULT_PACKAGE (the label the build uses)
    issuetrak_client/models.py, types.py   the default label's models and types
    issuetrak_client/<ident>/              one label: api/, models/, client.py, types.py, and
        _pin.py                            where its document came from (label, sha256s, generator)
        _document.json                     the document it was generated from (overrides applied)
        _patch_rules.py                    the documented issue PATCH paths, extracted at regen time
        namespaces/                        the client namespaces, one module per tag

``<ident>`` is the label as a Python identifier (``cloud-2026.07`` -> ``cloud_2026_07``). Labels are
found by listing the folders, so a package built later (``make regen LABEL=x``) is found without
rewriting anything, and ``issuetrak_client.__path__`` may be extended with another folder of them.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .conventions.labels import label_ident
from .errors import UnknownVersionError

__all__ = [
    "INDEX_PACKAGE",
    "UnknownVersionError",
    "Version",
    "default_version",
    "label_ident",
    "labels",
    "resolve",
    "version_of_class",
    "version_of_package",
]

INDEX_PACKAGE = "issuetrak_client"
DOCUMENT_FILE = "_document.json"


@dataclass(frozen=True)
class Version:
    """One generated package and what it was generated from."""

    label: str
    package: str  # e.g. "issuetrak_client.cloud_2026_07"
    sha256: str  # the vendor document as pinned
    document_sha256: str  # the document after overrides, as the package was generated from it
    generator: str
    source: str

    @property
    def api_package(self) -> str:
        return f"{self.package}.api"

    @property
    def models_package(self) -> str:
        return f"{self.package}.models"

    def module(self, name: str = "") -> ModuleType:
        """The package itself, or one of its modules (``"client"``, ``"types"``)."""
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)

    def document(self) -> dict[str, Any]:
        """The document this package was generated from (overrides applied); a fresh copy.

        Checked against the sha256 regen recorded in ``_pin.py``: an edited or damaged copy is
        refused rather than served.
        """
        result: dict[str, Any] = json.loads(_document_text(self.package, self.document_sha256))
        return result

    def patch_rules(self) -> tuple[tuple[str, tuple[str, ...], str, bool, bool], ...]:
        """The issue PATCH table extracted at regen time: (path, ops, type, empty, multiple)."""
        rules: tuple[tuple[str, tuple[str, ...], str, bool, bool], ...] = self.module(
            "_patch_rules"
        ).RULES
        return rules


@functools.cache
def _document_text(package: str, sha256: str) -> str:
    import hashlib
    from importlib.resources import files

    try:
        data = (files(package) / DOCUMENT_FILE).read_bytes()
    except FileNotFoundError:
        raise UnknownVersionError(
            f"{package} has no {DOCUMENT_FILE}; regenerate it with `issuetrak regen`"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if sha256 and actual != sha256:
        raise UnknownVersionError(
            f"{package}/{DOCUMENT_FILE} has sha256 {actual[:12]}..., not the {sha256[:12]}... "
            "regen recorded: the copy was changed; regenerate it with `issuetrak regen` "
            "(or reinstall the issuetrak wheel)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnknownVersionError(f"{package}/{DOCUMENT_FILE} is not UTF-8 text ({exc})") from None


def _index() -> ModuleType:
    try:
        return importlib.import_module(INDEX_PACKAGE)
    except ModuleNotFoundError as exc:
        if exc.name != INDEX_PACKAGE:
            raise
        raise UnknownVersionError(
            "the generated client (issuetrak_client) is not installed; in a checkout run "
            "`make regen`, else reinstall the issuetrak wheel"
        ) from None


@functools.cache
def _by_ident(ident: str) -> Version:
    pin = importlib.import_module(f"{INDEX_PACKAGE}.{ident}._pin")
    return Version(
        label=pin.SPEC_LABEL,
        package=f"{INDEX_PACKAGE}.{ident}",
        sha256=pin.SPEC_SHA256,
        document_sha256=getattr(pin, "DOCUMENT_SHA256", ""),
        generator=pin.GENERATOR,
        source=pin.SPEC_SOURCE,
    )


def _has_package(ident: str) -> bool:
    try:
        return importlib.util.find_spec(f"{INDEX_PACKAGE}.{ident}._pin") is not None
    except ModuleNotFoundError:  # no such label package at all
        return False


def _idents() -> list[str]:
    import pkgutil

    index = _index()
    found = []
    for info in pkgutil.iter_modules(index.__path__):
        if info.ispkg and _has_package(info.name):
            found.append(info.name)
    return sorted(set(found))


def labels() -> tuple[str, ...]:
    """Labels with a generated package, default first."""
    found = [_by_ident(ident).label for ident in _idents()]
    default = getattr(_index(), "DEFAULT_LABEL", None)
    return tuple(sorted(found, key=lambda label: (label != default, label)))


def default_version() -> Version:
    """The package of ``issuetrak_client.DEFAULT_LABEL`` (the label the build used)."""
    index = _index()
    ident = getattr(index, "DEFAULT_PACKAGE", None)
    if ident is None:
        raise UnknownVersionError(
            "issuetrak_client names no default label; run `make regen` (or `issuetrak regen`)"
        )
    return _by_ident(ident)


def resolve(label: str | Version | None = None) -> Version:
    """The generated package for ``label`` (default: the build's default label).

    Raises :class:`UnknownVersionError` naming the labels that do exist.
    """
    if isinstance(label, Version):
        return label
    if label is None:
        return default_version()
    ident = label_ident(label)
    _index()
    if not _has_package(ident):
        known = ", ".join(labels()) or "none"
        raise UnknownVersionError(
            f"no generated client for Issuetrak version {label!r} (available: {known}); "
            f"pin it and run `issuetrak regen --label {label}`"
        )
    version = _by_ident(ident)
    if version.label != label:
        raise UnknownVersionError(
            f"{version.package} was generated for {version.label!r}, not {label!r}"
        )
    return version


def version_of_package(package: str) -> Version:
    """The version of ``issuetrak_client.<ident>`` (or of any module under it)."""
    parts = package.split(".")
    if len(parts) < 2 or parts[0] != INDEX_PACKAGE:
        raise UnknownVersionError(f"{package!r} is not a generated issuetrak_client package")
    return _by_ident(parts[1])


def version_of_class(cls: type) -> Version:
    """The version whose package defines the generated class ``cls``."""
    return version_of_package(getattr(cls, "__module__", ""))
