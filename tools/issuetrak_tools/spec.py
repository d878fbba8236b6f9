"""The one place that knows where the pinned Issuetrak document is and how it is corrected.

A pin (``spec/<label>/pin.toml``) names a document by sha256. The document is Issuetrak's and is
never committed; :func:`locate_document` looks for it, in order, at

1. ``spec/<label>/openapi.json`` (written by ``issuetrak fetch-spec``; gitignored),
2. the path in ``$ISSUETRAK_SPEC``,
3. ``../shared/issuetrak-spec/<label>/openapi.json`` beside the project.

:func:`load_document` verifies the hash and applies ``spec/<label>/overrides.json``, an RFC 6902
JSON Patch whose every operation carries a ``reason``. Regen, fetch-spec, spec-diff, drift and
the contract suite read pinned documents through here.

Outside a project with ``spec/`` (an installed wheel), a label with no pin here is served from
the generated package of that label: the document regen built it from, overrides applied (see
:mod:`issuetrak._versions`). Only the patched form travels there.

Example::

    >>> from issuetrak_tools.spec import load_document
    >>> doc = load_document()            # the default label, patched
    >>> "429" in doc["paths"]["/Users"]["get"]["responses"]
    True
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch
from issuetrak.conventions import HTTP_METHODS, Operation, iter_operations

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "Pin",
    "SpecError",
    "SpecHashMismatch",
    "SpecNotFound",
    "apply_overrides",
    "default_label",
    "default_label_help",
    "iter_operations",
    "load_document",
    "load_overrides",
    "load_pin",
    "locate_document",
    "openapi3_problem",
    "pinned_labels",
    "project_root",
    "read_patch",
    "require_openapi3",
    "sha256_file",
    "spec_dir",
]

DEFAULT_LABEL_FILE = "default"
PIN_FILE = "pin.toml"
OVERRIDES_FILE = "overrides.json"
DOCUMENT_FILE = "openapi.json"


class SpecError(Exception):
    """A pinned document cannot be found, read, verified or patched."""


class SpecNotFound(SpecError):
    """No copy of the pinned document exists in any of the looked-up places."""


class SpecHashMismatch(SpecError):
    """A document was found but its sha256 differs from the pin."""

    def __init__(self, path: Path, expected: str, actual: str, label: str) -> None:
        self.path, self.expected, self.actual, self.label = path, expected, actual, label
        super().__init__(
            f"{path}: sha256 {actual} does not match the pin of {label!r} ({expected}).\n"
            f"  If this document is the one you mean to build against, re-pin it with\n"
            f"    make fetch-spec SPEC_FROM={path} LABEL=<new-label>\n"
            f"  (or: issuetrak fetch-spec --from {path} --label <new-label>)"
        )


def project_root() -> Path:
    """The folder that holds ``spec/``: ``$ISSUETRAK_PROJECT_ROOT``, else the checkout around this file."""
    env = os.environ.get("ISSUETRAK_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "spec" / DEFAULT_LABEL_FILE).is_file():
            return parent
    return Path.cwd()


def spec_dir() -> Path:
    return project_root() / "spec"


def default_label() -> str:
    """The label the build uses: ``$ISSUETRAK_SPEC_LABEL``, the first line of ``spec/default``,
    or (with no ``spec/``) the label the installed generated client was built for."""
    env = os.environ.get("ISSUETRAK_SPEC_LABEL")
    if env:
        return env
    path = spec_dir() / DEFAULT_LABEL_FILE
    try:
        return path.read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError) as exc:
        # only without a spec/ folder (a wheel install): asking the installed client loads it
        generated = None if path.parent.is_dir() else _generated_default()
        if generated is not None:
            return generated
        raise SpecError(f"{path}: cannot read the default spec label ({exc})") from exc


def default_label_help() -> str:
    """What a ``--spec-label`` option falls back to, in words for its ``--help``: the label
    itself and where it comes from (a wheel install has no ``spec/`` folder to name)."""
    try:
        label = default_label()
    except SpecError:
        return "the project's default label"
    if os.environ.get("ISSUETRAK_SPEC_LABEL"):
        return f"$ISSUETRAK_SPEC_LABEL, now {label}"
    if (spec_dir() / DEFAULT_LABEL_FILE).is_file():
        return f"the project's default label, now {label}"
    return f"the version the installed client was generated for, {label}"


def _generated_default() -> str | None:
    from issuetrak.versions import UnknownVersionError, default_version

    try:
        return default_version().label
    except UnknownVersionError:
        return None


def _generated_document(label: str) -> dict[str, Any] | None:
    """The patched document of ``label``'s generated package, if there is one."""
    from issuetrak.versions import UnknownVersionError, resolve

    try:
        return resolve(label).document()
    except UnknownVersionError:
        return None


@dataclass(frozen=True)
class Pin:
    """What ``spec/<label>/pin.toml`` records about one document."""

    label: str
    sha256: str
    size: int
    source: str
    captured: str
    generator: str
    # the release the document states for itself (an info extension such as x-release, else a
    # dotted info.version); pins written before it had this name call it issuetrak_release
    document_version: str = ""
    openapi_version: str = ""
    info_version: str = ""
    directory: Path = field(default=Path("."), compare=False)

    def to_toml(self) -> str:
        lines = [
            "# One pinned OpenAPI document; the document itself is never committed.",
        ]
        for key in (
            "label",
            "document_version",
            "sha256",
            "size",
            "source",
            "captured",
            "openapi_version",
            "info_version",
            "generator",
        ):
            value = getattr(self, key)
            lines.append(
                f"{key} = {value}" if isinstance(value, int) else f"{key} = {json.dumps(value)}"
            )
        return "\n".join(lines) + "\n"


def pinned_labels() -> tuple[str, ...]:
    """Every label with a ``spec/<label>/pin.toml``, sorted."""
    return tuple(sorted(p.parent.name for p in spec_dir().glob(f"*/{PIN_FILE}")))


def load_pin(label: str | None = None) -> Pin:
    label = label or default_label()
    directory = spec_dir() / label
    path = directory / PIN_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = sorted(p.parent.name for p in spec_dir().glob(f"*/{PIN_FILE}"))
        raise SpecError(
            f"no pin for label {label!r} at {path}; known labels: {', '.join(known) or 'none'}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from exc
    missing = [
        k for k in ("label", "sha256", "size", "source", "captured", "generator") if k not in raw
    ]
    if missing:
        raise SpecError(f"{path}: missing keys {', '.join(missing)}")
    for old, new in _RENAMED_PIN_KEYS.items():
        if old in raw:
            raw.setdefault(new, raw.pop(old))
    known_keys = {f for f in Pin.__dataclass_fields__ if f != "directory"}
    return Pin(**{k: v for k, v in raw.items() if k in known_keys}, directory=directory)


# pin.toml keys that were renamed: old name -> new name (old pins keep reading)
_RENAMED_PIN_KEYS = {"issuetrak_release": "document_version"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def candidate_paths(label: str) -> list[Path]:
    """Where the document of ``label`` is looked for, in order."""
    paths = [spec_dir() / label / DOCUMENT_FILE]
    env = os.environ.get("ISSUETRAK_SPEC")
    if env:
        paths.append(Path(env))
    paths.append(project_root().parent / "shared" / "issuetrak-spec" / label / DOCUMENT_FILE)
    return paths


def locate_document(label: str | None = None) -> Path:
    """The first existing copy of the pinned document, verified against its pin's sha256."""
    pin = load_pin(label)
    candidates = candidate_paths(pin.label)
    for path in candidates:
        if path.is_file():
            actual = sha256_file(path)
            if actual != pin.sha256:
                raise SpecHashMismatch(path, pin.sha256, actual, pin.label)
            return path
    tried = "\n  ".join(str(p) for p in candidates)
    raise SpecNotFound(
        f"the document pinned as {pin.label!r} (sha256 {pin.sha256}) was not found; looked at:\n  {tried}\n"
        f"  Set ISSUETRAK_SPEC=/path/to/openapi.json or run `make fetch-spec SITE=https://<site> LABEL={pin.label}`."
    )


def openapi3_problem(document: Any) -> str | None:
    """Why ``document`` is not an OpenAPI 3 document every command can read, or None.

    The one verdict regen, fetch-spec, spec-diff, drift and the contract suite give: Swagger 2.0
    is refused with the same words everywhere (the generator and the contract suite need
    OpenAPI 3; converting silently would pin a document no Issuetrak site serves).
    """
    if not isinstance(document, Mapping):
        return f"is JSON but not an OpenAPI document (top level is a {type(document).__name__})"
    version = document.get("openapi")
    if version is None:
        if "swagger" in document:
            return (
                f"is a Swagger {document['swagger']} document, not OpenAPI 3; Issuetrak API v2 "
                f"serves OpenAPI 3: convert it first (e.g. swagger2openapi, or the Swagger Editor's "
                f"'Convert to OpenAPI 3')"
            )
        return "is JSON but not an OpenAPI document (no 'openapi' field)"
    if not str(version).startswith("3."):
        return f"declares openapi {version!r}; only OpenAPI 3.x documents are read"
    return None


def require_openapi3(document: Any, where: str) -> None:
    """Raise :class:`SpecError` (``"<where> <what is wrong>"``) unless ``document`` is OpenAPI 3."""
    problem = openapi3_problem(document)
    if problem is not None:
        raise SpecError(f"{where} {problem}")


def read_patch(path: Path) -> list[dict[str, Any]]:
    """Read an RFC 6902 JSON Patch file whose every operation says why it exists (``reason``).

    The one reader of the project's patch files: label overrides, ``regen --overrides`` and the
    contract suite's link patches.
    """
    try:
        ops = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(ops, list):
        raise SpecError(f"{path}: must be a JSON array of RFC 6902 operations")
    for index, op in enumerate(ops):
        if not isinstance(op, dict) or not str(op.get("reason", "")).strip():
            where = op.get("path") if isinstance(op, dict) else repr(op)
            raise SpecError(f"{path}: operation #{index} ({where}) has no 'reason'")
    return ops


def load_overrides(label: str | None = None) -> list[dict[str, Any]]:
    """The label's JSON Patch; every operation must say why it exists."""
    path = spec_dir() / (label or default_label()) / OVERRIDES_FILE
    return read_patch(path) if path.is_file() else []


def apply_overrides(
    document: Mapping[str, Any], ops: list[dict[str, Any]], *, source: str = "overrides"
) -> dict[str, Any]:
    """Apply a JSON Patch to a copy of ``document``; a failing operation is named in the error."""
    result: dict[str, Any] = copy.deepcopy(dict(document))
    for index, op in enumerate(ops):
        body = {k: v for k, v in op.items() if k != "reason"}
        try:
            result = jsonpatch.apply_patch(result, [body], in_place=True)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            # jsonpatch quotes the whole target node in its message; a document is too big to print
            reason = str(exc).split(" in {", 1)[0].split(" in [", 1)[0][:200]
            raise SpecError(
                f"{source}: operation #{index} {body.get('op')} {body.get('path')} failed: {reason}"
            ) from exc
    return result


@functools.lru_cache(maxsize=8)
def _load_cached(label: str, patched: bool, _where: tuple[str, str]) -> str:
    # _where (spec folder, $ISSUETRAK_SPEC) is part of the cache key only: another project root
    # or document path must not be answered from a cache filled for a different one
    path = locate_document(label)
    try:
        document = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not valid JSON ({exc})") from exc
    require_openapi3(document, str(path))
    if patched:
        document = apply_overrides(
            document, load_overrides(label), source=str(spec_dir() / label / OVERRIDES_FILE)
        )
    return json.dumps(document)


def load_document(label: str | None = None, *, patched: bool = True) -> dict[str, Any]:
    """The pinned document of ``label`` (default: ``spec/default``), with overrides applied.

    Each call returns a fresh copy that the caller may change.
    """
    label = label or default_label()
    if patched and not (spec_dir() / label / PIN_FILE).is_file():
        generated = _generated_document(label)
        if generated is not None:
            return generated
    where = (str(spec_dir()), os.environ.get("ISSUETRAK_SPEC", ""))
    result: dict[str, Any] = json.loads(_load_cached(label, patched, where))
    return result
