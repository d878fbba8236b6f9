"""Running openapi-python-client for ``issuetrak regen``: invocation, output parsing, checks.

The generator is run as a subprocess (its own CLI, the pinned version from the dev extras) so a
crash or a hang in it cannot take the caller down. Its report is text; :func:`parse_report`
splits it into :class:`GeneratorMessage` items by the headers the pinned version prints.
:func:`expected_modules` predicts the module the generator writes for each operation, which is
how regen proves that every operation of the document came out.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from keyword import iskeyword
from pathlib import Path
from typing import Any

from issuetrak_tools._diagnostics import Problem, locate
from issuetrak_tools.spec import Operation, iter_operations

GENERATOR_DIST = "openapi-python-client"
PIN_MODULE = "_pin.py"
# the project's generator config (its templates folder beside it), shipped with the tools
GENERATOR_CONFIG = Path(__file__).resolve().with_name("generator.yaml")

# --- finding and running the generator -------------------------------------------------------


class GeneratorMissing(Exception):
    """openapi-python-client is not installed next to this interpreter."""


def generator_version() -> str | None:
    """The installed openapi-python-client version, or None."""
    found = _dist_info_version()
    if found is not None:
        return found
    import importlib.metadata  # only here: it takes longer to load than regen's own modules

    try:
        return importlib.metadata.version(GENERATOR_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None


def _dist_info_version() -> str | None:
    """The version in the name of the one ``openapi_python_client-<version>.dist-info`` folder
    beside the installed package (a wheel install's layout), else None."""
    spec = importlib.util.find_spec("openapi_python_client")
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    found = [
        folder.name.removesuffix(".dist-info").partition("-")[2]
        for folder in site.glob("openapi_python_client-*.dist-info")
        if (folder / "METADATA").is_file()
    ]
    return found[0] if len(found) == 1 else None


def generator_command() -> list[str]:
    """How to start the generator: the venv's script, else ``python -m openapi_python_client``."""
    script = Path(sys.executable).parent / "openapi-python-client"
    if script.is_file():
        return [str(script)]
    if importlib.util.find_spec("openapi_python_client") is not None:
        return [sys.executable, "-m", "openapi_python_client"]
    raise GeneratorMissing(
        f"{GENERATOR_DIST} is not installed for {sys.executable}; "
        f"install the pinned tools with: {pinned_tools_install()}"
    )


def pinned_tools_install() -> str:
    """The command that installs the generator and formatter versions regen pins: the checkout's
    own ``[dev]`` extra when running from one, else the ``[tools]`` extra of the installed wheel."""
    repository = Path(__file__).resolve().parents[2]
    if (repository / "pyproject.toml").is_file() and (repository / "overlay").is_dir():
        return "pip install -e '.[dev]'"
    return "pip install 'issuetrak[tools]'"


def generator_env() -> dict[str, str]:
    """Environment for the generator: the venv's bin first on PATH so the ruff post-hooks are found."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["RUFF_NO_CACHE"] = "true"  # a .ruff_cache would land inside the package
    env["NO_COLOR"] = "1"
    env["PYTHONHASHSEED"] = "0"  # same iteration order on every run, whatever the templates do
    return env


@dataclass
class GeneratorRun:
    """The outcome of one generator subprocess."""

    returncode: int
    output: str
    messages: list[GeneratorMessage]
    fatal: bool


def generator_argv(
    document: Path,
    config: Path,
    output: Path,
    *,
    templates: Path | None = None,
    command: Sequence[str] | None = None,
) -> list[str]:
    """The generator command line regen runs (also what bench_regen runs bare)."""
    argv = [
        *(command or generator_command()),
        "generate",
        "--path",
        str(document),
        "--config",
        str(config),
        "--meta",
        "none",
        "--output-path",
        str(output),
    ]
    if templates is not None:
        argv += ["--custom-template-path", str(templates)]
    return argv


def run_generator(
    document: Path,
    config: Path,
    output: Path,
    command: Sequence[str] | None = None,
    *,
    templates: Path | None = None,
) -> GeneratorRun:
    """Generate the package for ``document`` into ``output`` (which must not exist yet).

    ``templates``: a folder of Jinja templates that replace the generator's own of the same name.
    """
    argv = generator_argv(document, config, output, templates=templates, command=command)
    proc = subprocess.run(argv, env=generator_env(), capture_output=True, text=True, check=False)
    text = proc.stderr + ("\n" + proc.stdout if proc.stdout.strip() else "")
    fatal, messages = parse_report(text)
    return GeneratorRun(proc.returncode, text, messages, fatal or proc.returncode != 0)


# --- parsing the generator's report ----------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WARNINGS_BANNER = "Warning(s) encountered while generating"
_ERRORS_BANNER = "Error(s) encountered while generating"
_TRAILER = "If you believe this was a mistake"
# Every header openapi-python-client 0.29 prints for one error or warning.
_HEADERS = re.compile(
    r"^(WARNING parsing \S+ \S+ within .*"
    r"|Unable to process schema \S+:"
    r"|Unable to parse (schema|parameter) \S+"
    r"|Unable to parse this part of your OpenAPI document:"
    r"|Problem creating a (Property|Parameter):"
    r"|Enum values must all be the same type"
    r"|Unsupported enum type .*"
    r"|Conflicting property names"
    r"|Found conflicting properties named .*"
    r"|invalid data in items of array named .*"
    r"|Endpoint requires a body, but none were parseable\."
    r"|Failed to parse OpenAPI document"
    r"|Unable to generate the client"
    r"|Invalid (JSON|YAML) from provided source: .*"
    r"|Could not get OpenAPI document from provided URL"
    r"|Skipping Integration"
    r"|\S+ failed)\s*$"
)
_ENDPOINT_HEADER = re.compile(
    r"^WARNING parsing (?P<method>\S+) (?P<path>\S+) within (?P<tag>.*?)\.(?P<skipped> Endpoint will not be generated\.)?$"
)


@dataclass
class GeneratorMessage:
    """One warning or error from the generator's report."""

    header: str
    body: str = ""

    @property
    def skipped_operation(self) -> tuple[str, str] | None:
        """(METHOD, path) when the generator says it left this endpoint out."""
        match = _ENDPOINT_HEADER.match(self.header)
        if match and match["skipped"]:
            return match["method"].upper(), match["path"]
        return None

    @property
    def text(self) -> str:
        return f"{self.header}\n{self.body}".strip()

    def first_detail_line(self) -> str:
        for line in self.body.splitlines():
            if line.strip() and not line.lstrip().startswith(("{", "}", '"', "[", "]")):
                return line.strip()
        return ""


def parse_report(text: str) -> tuple[bool, list[GeneratorMessage]]:
    """Split the generator's output into messages; also whether it said the client was not created."""
    lines = [_ANSI.sub("", line).rstrip() for line in text.splitlines()]
    fatal = any(line.startswith(_ERRORS_BANNER) for line in lines)
    banner = any(line.startswith((_WARNINGS_BANNER, _ERRORS_BANNER)) for line in lines)
    messages: list[GeneratorMessage] = []
    if not banner:
        return fatal, messages
    body: list[str] = []
    for line in lines:
        if line.startswith((_WARNINGS_BANNER, _ERRORS_BANNER, _TRAILER, "Generating ")):
            continue
        if _HEADERS.match(line.strip()):
            if messages:
                messages[-1].body = "\n".join(body).strip()
            messages.append(GeneratorMessage(line.strip()))
            body = []
        else:
            body.append(line)
    if messages:
        messages[-1].body = "\n".join(body).strip()
    elif any(b.strip() for b in body):
        messages.append(GeneratorMessage("unrecognised generator report", "\n".join(body).strip()))
    return fatal, messages


# --- which module each operation becomes -----------------------------------------------------
# The generator's own naming rules (openapi_python_client.strings, 0.29), restated so regen can
# check its output without importing the generator; tests compare the two on real documents.

_DELIMITERS = r"\. _-"
_RESERVED = (set(dir(builtins)) | {"self", "true", "false", "datetime"}) - {"id"}


def _sanitize(value: str) -> str:
    return "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)


def _snake_case(value: str) -> str:
    value = _sanitize(value)
    if any(c.isupper() for c in value):
        value = " ".join(re.split("([A-Z]?[a-z]+)", value))
    return "_".join(re.findall(rf"[^{re.escape(_DELIMITERS)}]+", value)).lower()


def python_identifier(value: str, prefix: str) -> str:
    """What ``openapi_python_client.strings.PythonIdentifier(value, prefix)`` makes of ``value``."""
    safe = _sanitize(value)
    leading_underscore = safe.startswith("_")
    safe = _snake_case(safe)
    if safe in _RESERVED or iskeyword(safe):
        safe = f"{safe}_"
    if not safe.isidentifier() or leading_underscore:
        safe = f"{prefix}{safe}"
    return safe


def operation_module(op: Operation, field_prefix: str = "field_") -> tuple[str, str]:
    """(tag package, module name) under ``api/`` that the generator writes for ``op``."""
    tag = python_identifier(op.tags[0] if op.tags else "default", "tag")
    if op.operation_id:
        name = op.operation_id
    else:
        name = (
            op.path.replace("{", "")
            .replace("}", "")
            .replace("/", "_")
            .removeprefix("_")
            .removesuffix("_")
        )
        name = f"{op.method.lower()}_{name}"
    return tag, python_identifier(name, field_prefix)


def expected_modules(
    document: Mapping[str, Any], field_prefix: str = "field_"
) -> dict[tuple[str, str], list[Operation]]:
    """Every operation of ``document`` by the (tag, module) it becomes; >1 entry means a collision."""
    result: dict[tuple[str, str], list[Operation]] = {}
    for op in iter_operations(document):
        result.setdefault(operation_module(op, field_prefix), []).append(op)
    return result


def generated_modules(package: Path) -> set[tuple[str, str]]:
    """The (tag, module) pairs present under ``package/api``."""
    api = package / "api"
    return {
        (path.parent.name, path.stem) for path in api.glob("*/*.py") if path.name != "__init__.py"
    }


# --- documents -------------------------------------------------------------------------------


def canonical_json(document: Mapping[str, Any]) -> str:
    """The form the generator reads: document order kept (it decides argument order), fixed layout."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def operation_label(op: Operation) -> str:
    return f"{op.method} {op.path}" + (f" ({op.operation_id})" if op.operation_id else "")


# --- accepted warnings and overrides ---------------------------------------------------------


@dataclass(frozen=True)
class AcceptedWarning:
    """A generator warning the config accepts on purpose, with why."""

    match: str  # a regular expression searched in the warning's header and body
    reason: str

    def covers(self, message: GeneratorMessage) -> bool:
        return re.search(self.match, message.text) is not None


ACCEPTED_WARNINGS_KEY = "issuetrak_accepted_warnings"
TEMPLATES_KEY = "issuetrak_custom_templates"


class GeneratorConfigError(ValueError):
    """spec/generator.yaml (or --config) cannot be read or has a bad entry."""


def load_generator_config(path: Path) -> tuple[dict[str, Any], list[AcceptedWarning]]:
    """The generator config and the warnings it accepts; every accepted warning needs a reason."""
    from ruamel.yaml import YAML  # the generator's own YAML reader: same parse as the generator

    try:
        raw: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GeneratorConfigError(
            f"cannot read the generator config {path} ({exc.strerror or exc})"
        ) from exc
    except Exception as exc:  # ruamel's errors share no useful base class
        raise GeneratorConfigError(f"{path} is not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise GeneratorConfigError(
            f"{path} must be a YAML mapping of openapi-python-client settings"
        )
    accepted: list[AcceptedWarning] = []
    for index, entry in enumerate(raw.get(ACCEPTED_WARNINGS_KEY) or []):
        if (
            not isinstance(entry, dict)
            or not str(entry.get("match", "")).strip()
            or not str(entry.get("reason", "")).strip()
        ):
            raise GeneratorConfigError(
                f"{path}: {ACCEPTED_WARNINGS_KEY} entry #{index} needs both 'match' and 'reason'"
            )
        try:
            re.compile(entry["match"])
        except re.error as exc:
            raise GeneratorConfigError(
                f"{path}: {ACCEPTED_WARNINGS_KEY} entry #{index}: bad regular expression ({exc})"
            ) from exc
        accepted.append(AcceptedWarning(str(entry["match"]), str(entry["reason"])))
    return raw, accepted


def custom_templates(raw: Mapping[str, Any], config: Path) -> Path | None:
    """The folder of ``issuetrak_custom_templates`` (``path`` relative to the config, ``reason``).

    The generator takes custom templates only on its command line, so regen reads the folder
    from the config and passes it on; a template overrides the generator's one of the same name.
    """
    entry = raw.get(TEMPLATES_KEY)
    if entry is None:
        return None
    if (
        not isinstance(entry, Mapping)
        or not str(entry.get("path", "")).strip()
        or not str(entry.get("reason", "")).strip()
    ):
        raise GeneratorConfigError(f"{config}: {TEMPLATES_KEY} needs both 'path' and 'reason'")
    folder = (config.parent / str(entry["path"])).resolve()
    if not folder.is_dir():
        raise GeneratorConfigError(
            f"{config}: {TEMPLATES_KEY} path {entry['path']!r} is not a folder ({folder})"
        )
    templates = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.jinja"))
    if not templates:
        raise GeneratorConfigError(f"{config}: {TEMPLATES_KEY} folder {folder} has no *.jinja")
    own = generator_templates()
    if own is not None:
        # a misspelt name would be silently ignored by the generator's template loader
        unknown = [name for name in templates if not (own / name).is_file()]
        if unknown:
            raise GeneratorConfigError(
                f"{config}: {TEMPLATES_KEY}: {', '.join(unknown)} in {folder} would override "
                f"nothing: {GENERATOR_DIST} {generator_version()} has no template of that name"
            )
    return folder


def generator_templates() -> Path | None:
    """The installed generator's own template folder (found without importing the generator)."""
    spec = importlib.util.find_spec("openapi_python_client")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "templates"
    return folder if folder.is_dir() else None


# --- stamping and placing the package --------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What the generated package records about its origin."""

    label: str
    sha256: str  # the document as pinned (the vendor's bytes)
    source: str
    generator: str
    overrides_sha256: str = ""  # the overrides file's bytes (b"" when there is none)
    document_sha256: str = ""  # the document generated from (overrides applied, canonical JSON)

    def module_text(self) -> str:
        return (
            '"""The document this package was generated from (written by `issuetrak regen`)."""\n\n'
            f"SPEC_LABEL = {json.dumps(self.label)}\n"
            f"SPEC_SHA256 = {json.dumps(self.sha256)}\n"
            f"SPEC_SOURCE = {json.dumps(self.source, ensure_ascii=False)}\n"
            f"GENERATOR = {json.dumps(self.generator)}\n"
            f"OVERRIDES_SHA256 = {json.dumps(self.overrides_sha256)}\n"
            f"DOCUMENT_SHA256 = {json.dumps(self.document_sha256)}\n"
        )


_STAMP_IMPORT = (
    "\n# Stamped by `issuetrak regen`: the pinned document this package was generated from.\n"
    "from ._pin import DOCUMENT_SHA256 as DOCUMENT_SHA256\n"
    "from ._pin import GENERATOR as GENERATOR\n"
    "from ._pin import SPEC_LABEL as SPEC_LABEL\n"
    "from ._pin import SPEC_SHA256 as SPEC_SHA256\n"
    "from ._pin import SPEC_SOURCE as SPEC_SOURCE\n"
)

DOCUMENT_FILE = "_document.json"
PATCH_RULES_MODULE = "_patch_rules.py"
NAMESPACES_PACKAGE = "namespaces"  # the client namespaces, one module per tag (_nsgen)


def stamp_package(package: Path, stamp: Stamp) -> None:
    """Write ``_pin.py`` and re-export its names from the package's ``__init__``."""
    (package / PIN_MODULE).write_text(stamp.module_text(), encoding="utf-8")
    init = package / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").rstrip("\n") + "\n" + _STAMP_IMPORT, encoding="utf-8"
    )


def write_document(package: Path, document_text: str) -> None:
    """The document the package was generated from, as a build product inside it (what the
    runtime, the mock and the contract suite read)."""
    (package / DOCUMENT_FILE).write_text(document_text, encoding="utf-8")


def write_patch_rules(package: Path) -> None:
    """The issue PATCH table of the package's ``_document.json`` as ``_patch_rules.py``.

    Written by the finishing interpreter (:mod:`issuetrak_tools._finish`), which has the
    runtime loaded anyway, so regen's own process never imports it.
    """
    from issuetrak.conventions import document_patch_rules, rule_rows

    document = json.loads((package / DOCUMENT_FILE).read_text(encoding="utf-8"))
    rows = rule_rows(document_patch_rules(document))
    lines = [
        '"""The issue PATCH paths the document lists (extracted by `issuetrak regen`).',
        "",
        "One row per documented path: (path, operations, value type, allows empty, multiple).",
        '"""',
        "",
        "RULES: tuple[tuple[str, tuple[str, ...], str, bool, bool], ...] = (",
        *(f"    {row!r}," for row in rows),
        ")",
        "",
    ]
    (package / PATCH_RULES_MODULE).write_text("\n".join(lines), encoding="utf-8")


def write_index(index: Path, label: str, ident: str) -> None:
    """The ``issuetrak_client`` package around the label packages: which label is the default,
    and the default label's models, types and namespaces under short names."""
    index.mkdir(parents=True, exist_ok=True)
    quoted = json.dumps(label)
    (index / "__init__.py").write_text(
        f'''"""Generated Issuetrak API v2 clients, one package per pinned label (written by `issuetrak regen`).

``issuetrak_client.<label>`` (e.g. ``issuetrak_client.{ident}``) is the openapi-python-client package
generated from that label's document; ``issuetrak_client.models`` and ``issuetrak_client.types`` are
the default label's. Choose a label per client with ``issuetrak.Issuetrak(..., version="<label>")``.
"""

from typing import TYPE_CHECKING

DEFAULT_LABEL = {quoted}
DEFAULT_PACKAGE = "{ident}"

if TYPE_CHECKING:
    from .{ident}.namespaces import AsyncNamespaces as AsyncNamespaces
    from .{ident}.namespaces import Namespaces as Namespaces
''',
        encoding="utf-8",
    )
    for name in ("models", "types"):
        (index / f"{name}.py").write_text(
            f'''"""The {name} of the default label ({label}): ``issuetrak_client.{ident}.{name}``, the same objects."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .{ident}.{name} import *  # noqa: F403

_TARGET = "issuetrak_client.{ident}.{name}"

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        return getattr(import_module(_TARGET), name)

    def __dir__() -> list[str]:
        return dir(import_module(_TARGET))
''',
            encoding="utf-8",
        )
    (index / "py.typed").write_text("", encoding="utf-8")


def replace_tree(new: Path, target: Path) -> None:
    """Put ``new`` at ``target`` by renames, so ``target`` is always a complete tree.

    The old tree is moved aside first and restored if the second rename fails.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for kind in ("old", "new"):  # folders a killed run left behind
        for leftover in target.parent.glob(f".{target.name}.{kind}-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    if new.stat().st_dev != target.parent.stat().st_dev:
        # rename cannot cross file systems: copy beside the target first
        staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        shutil.copytree(new, staged, dirs_exist_ok=True)
        new = staged
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / target.name)
    try:
        os.rename(new, target)
    except OSError:
        if old is not None:
            os.rename(old / target.name, target)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (by relative path), caches left out."""
    import hashlib

    result: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ruff_cache" not in path.parts:
            result[path.relative_to(root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return result


def importing_from(folder: Path) -> dict[str, str]:
    """The environment for a fresh interpreter that imports packages from ``folder`` first:
    this one's, ``folder`` put before its ``PYTHONPATH`` (never an empty entry, which would put
    the working directory on the path)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), env.get("PYTHONPATH", "")) if p)
    return env


@dataclass
class Finished:
    """What the finishing interpreter (:mod:`issuetrak_tools._finish`) reported."""

    import_failures: list[tuple[str, str]]  # (module, error) for each module that does not import
    returncode: int
    stderr: str  # the namespace generator's problem lines, one each


class Finisher:
    """The fresh interpreter that checks that every module of the new package imports and then
    writes its namespaces (:mod:`issuetrak_tools._finish`).

    Started before the generator runs, so loading the runtime and the namespace generator
    overlaps the generator's work; it touches nothing until :meth:`finish` says go. Use it as a
    context manager: leaving without :meth:`finish` stops it.
    """

    def __init__(self, folder: Path, package: str, package_dir: Path) -> None:
        # it writes no bytecode into the package it checks (it turns that off itself, so the
        # runtime it loads first is cached as any import would cache it)
        env = importing_from(folder)
        self.package = package
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "issuetrak_tools._finish", package, str(package_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=folder,
        )

    def __enter__(self) -> Finisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._proc.returncode is None:
            self._proc.kill()
            self._proc.communicate()

    def finish(self) -> Finished:
        """Let it run on the package (generated, stamped, its document written) and wait."""
        out, err = self._proc.communicate("go\n")
        first = out.splitlines()[0] if out.strip() else ""
        if not first.startswith("["):
            tail = (err.strip().splitlines() or [f"exit status {self._proc.returncode}"])[-1]
            return Finished([(self.package, tail)], self._proc.returncode, err)
        failures = [(str(name), str(error)) for name, error in json.loads(first)]
        return Finished(failures, self._proc.returncode, err)


@dataclass
class Outcome:
    """What a generation produced and what is wrong with it."""

    package: Path | None
    problems: list[str] = field(default_factory=list)  # fatal, one line each
    # each unaccepted message with the places in the document it is about
    warnings: list[tuple[GeneratorMessage, list[Problem]]] = field(default_factory=list)
    accepted: list[tuple[GeneratorMessage, AcceptedWarning]] = field(default_factory=list)
    missing: list[Operation] = field(default_factory=list)
    modules: int = 0


def check_output(
    document: Mapping[str, Any],
    package: Path,
    run: GeneratorRun,
    accepted: Iterable[AcceptedWarning],
    field_prefix: str,
) -> Outcome:
    """Sort the generator's messages and compare the modules written with the operations."""
    outcome = Outcome(package)
    accepted = list(accepted)
    for message in run.messages:
        rule = next((a for a in accepted if a.covers(message)), None)
        if rule is not None:
            outcome.accepted.append((message, rule))
        else:
            outcome.warnings.append((message, locate(message, document)))
    expected = expected_modules(document, field_prefix)
    present = generated_modules(package)
    outcome.modules = len(present)
    for key, ops in expected.items():
        if len(ops) > 1:
            names = ", ".join(operation_label(op) for op in ops)
            outcome.problems.append(
                f"operations {names} all become api/{key[0]}/{key[1]}.py; give them distinct operationIds"
            )
        if key not in present:
            outcome.missing.extend(ops)
    return outcome
