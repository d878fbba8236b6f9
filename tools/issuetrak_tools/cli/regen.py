"""``issuetrak regen``: build ``generated/issuetrak_client/<label>`` from a pinned document.

Steps: load the pinned document (sha256 verified, overrides applied), write it in canonical
form to a temporary folder, run the pinned openapi-python-client with the project's generator
config (``issuetrak_tools/generator.yaml``) into another temporary folder, check that one module
per operation came out and that the generator had nothing to warn about, stamp the package with
the pin, add what is derived from the document (the document itself, the issue PATCH table, the
client's namespaces as real classes; the last two with the import check in one fresh interpreter,
``issuetrak_tools._finish``, started while the generator runs), then swap it into place by renames. A failed run leaves the previous
package untouched; the packages of other labels are never touched. Building the default label
(``spec/default``) also rewrites the ``issuetrak_client`` index that names it.

``--from FILE`` generates from any OpenAPI 3 document instead (no pin, no overrides unless
``--overrides PATCH`` is given); ``--check`` only reports whether the output is up to date.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from issuetrak.conventions import label_ident
from issuetrak_tools import _codegen
from issuetrak_tools._diagnostics import locate
from issuetrak_tools._media import prefer_json
from issuetrak_tools.cli._errors import one_line
from issuetrak_tools.spec import (
    SpecError,
    apply_overrides,
    default_label,
    iter_operations,
    load_document,
    load_pin,
    locate_document,
    openapi3_problem,
    project_root,
    read_patch,
    spec_dir,
)

__all__ = ["RegenError", "main"]

GENERATED_INDEX = Path("generated") / "issuetrak_client"


class RegenError(Exception):
    """Regeneration cannot proceed or its output is not acceptable; the message says why.

    ``problems`` are printed first, one line each (a place in the document and what is wrong
    there, or a module that does not import); the message is the verdict line after them.
    """

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class Source:
    """The document to generate from and how the package will be stamped."""

    name: str  # how messages refer to the document
    document: dict[str, Any]
    stamp: _codegen.Stamp
    fix_hint: str  # where a correction of the document belongs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuetrak regen",
        description="Regenerate the typed client package from the pinned Issuetrak document.",
    )
    parser.add_argument(
        "--label",
        help="pinned document to use (default: spec/default); with --from, the label to stamp",
    )
    parser.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        metavar="FILE",
        help="generate from this OpenAPI 3 document (JSON or YAML) instead of a pin",
    )
    parser.add_argument(
        "--overrides",
        type=Path,
        metavar="PATCH",
        help="with --from: an RFC 6902 JSON Patch (each operation with a 'reason') to apply first",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help=f"write one standalone package to DIR instead of {GENERATED_INDEX}/<label>",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="YAML",
        help="openapi-python-client config (default: the project's generator.yaml)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the output folder differs from a fresh generation",
    )
    parser.add_argument(
        "--allow-warnings",
        action="store_true",
        help="report generator warnings but still write the package (operations the generator left out are listed)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print the generator's own report"
    )
    return parser


def _pinned_source(label: str | None) -> Source:
    pin = load_pin(label)
    locate_document(pin.label)  # SpecNotFound / SpecHashMismatch with their own instructions
    installed = _codegen.generator_version()
    wanted = pin.generator.partition("==")[2].strip()
    if installed and wanted and installed != wanted:
        raise RegenError(
            f"the pin of {pin.label!r} was generated with {pin.generator} but {_codegen.GENERATOR_DIST} "
            f"{installed} is installed; install the pinned tools ({_codegen.pinned_tools_install()}) so the output is reproducible"
        )
    overrides = spec_dir() / pin.label / "overrides.json"
    return Source(
        name=f"the document pinned as {pin.label!r}",
        document=load_document(pin.label),
        stamp=_codegen.Stamp(
            pin.label, pin.sha256, pin.source, pin.generator, _file_sha256(overrides)
        ),
        fix_hint=f"add an override with its reason to {overrides}",
    )


def _file_sha256(path: Path | None) -> str:
    """sha256 of a file's bytes; of no bytes when there is no such file."""
    data = path.read_bytes() if path is not None and path.is_file() else b""
    return hashlib.sha256(data).hexdigest()


def _read_document(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RegenError(f"--from {path}: no such file") from None
    except OSError as exc:
        raise RegenError(f"--from {path}: cannot read it ({exc.strerror or exc})") from exc
    document: Any
    if path.suffix.lower() in (".yaml", ".yml"):
        from ruamel.yaml import YAML

        try:
            document = YAML(typ="safe").load(raw)
        except Exception as exc:  # ruamel's errors share no useful base class
            raise RegenError(f"{path} is not valid YAML ({str(exc).splitlines()[0]})") from exc
    else:
        try:
            document = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RegenError(
                f"{path} is not JSON ({exc}); pass a .yaml/.yml file for YAML"
            ) from exc
    problem = openapi3_problem(document)
    if problem is not None:
        raise RegenError(f"{path} {problem}")
    return dict(document)


def _read_patch(path: Path) -> list[dict[str, Any]]:
    try:
        return read_patch(path)
    except SpecError as exc:
        raise RegenError(f"--overrides {exc}") from exc


def _file_source(path: Path, label: str | None, overrides: Path | None) -> Source:
    document = _read_document(path)
    if overrides is not None:
        try:
            document = apply_overrides(document, _read_patch(overrides), source=str(overrides))
        except SpecError as exc:
            raise RegenError(str(exc)) from exc
    version = _codegen.generator_version()
    return Source(
        name=path.name,
        document=document,
        stamp=_codegen.Stamp(
            label or path.stem,
            hashlib.sha256(path.read_bytes()).hexdigest(),
            f"file:{path}",
            f"{_codegen.GENERATOR_DIST}=={version}" if version else _codegen.GENERATOR_DIST,
            _file_sha256(overrides),
        ),
        fix_hint="correct the document or pass --overrides PATCH.json with RFC 6902 operations (each with a 'reason')",
    )


def _warning_lines(outcome: _codegen.Outcome) -> list[str]:
    """One line per place a generator warning is about; one per accepted warning."""
    lines = [
        f"regen: generator warning {problem.line()}"
        for _, problems in outcome.warnings
        for problem in dict.fromkeys(problems)
    ]
    for message, rule in outcome.accepted:
        lines.append(f"regen: accepted warning: {message.header} ({rule.reason})")
    return lines


def _check_acceptable(source: Source, outcome: _codegen.Outcome, allow_warnings: bool) -> None:
    """Raise with one verdict line unless the output is complete and warning-free (or allowed)."""
    if outcome.problems:
        raise RegenError(
            f"{source.name}: {len(outcome.problems)} problem(s) above; {source.fix_hint}",
            outcome.problems,
        )
    total = sum(1 for _ in iter_operations(source.document))
    skipped = {m.skipped_operation for m, _ in [*outcome.warnings, *outcome.accepted]} - {None}
    unexplained = [op for op in outcome.missing if (op.method, op.path) not in skipped]
    if unexplained:
        names = ", ".join(_codegen.operation_label(op) for op in unexplained[:5])
        raise RegenError(
            f"{source.name}: {len(unexplained)} of {total} operations produced no module ({names}); "
            f"the generator gave no reason, so the naming rules in issuetrak_tools._codegen may not match it"
        )
    if outcome.warnings and not allow_warnings:
        places = list(dict.fromkeys(p for _, problems in outcome.warnings for p in problems))
        lost = (
            f"it would leave out {len(outcome.missing)} of {total} operations; "
            if outcome.missing
            else ""
        )
        first = places[0].pointer or "/" if places else "/"
        raise RegenError(
            f"{source.name} generates with {len(outcome.warnings)} unaddressed generator warning(s) "
            f"at {len(places)} place(s) listed above (first at {first}); {lost}"
            f"To fix it, {source.fix_hint}, or accept the warning in the generator config "
            f"({_codegen.ACCEPTED_WARNINGS_KEY}: match + reason); --allow-warnings writes the package anyway"
        )


def _generate(
    source: Source, config: Path, workdir: Path, name: str, verbose: bool
) -> _codegen.Outcome:
    raw_config, accepted = _codegen.load_generator_config(config)
    templates = _codegen.custom_templates(raw_config, config)
    # the generator reads JSON where the document also offers text/json, */*+json, text/plain
    document, media_notes = prefer_json(source.document)
    if media_notes.summary():
        sys.stderr.write(f"regen: note: {media_notes.summary()}\n")
    document_path = workdir / "openapi.json"
    document_path.write_text(_codegen.canonical_json(document), encoding="utf-8")
    package = workdir / name
    run = _codegen.run_generator(document_path, config, package, templates=templates)
    if verbose and run.output.strip():
        sys.stderr.write(run.output.rstrip() + "\n")
    if run.fatal or not (package / "__init__.py").is_file():
        places = list(dict.fromkeys(p for m in run.messages for p in locate(m, document)))
        if not places:
            tail = run.output.strip().splitlines()
            reason = f"the generator exited with status {run.returncode}" + (
                f" ({tail[-1]})" if tail else ""
            )
            raise RegenError(
                f"{source.name} cannot be generated: {reason}. To fix it, {source.fix_hint}"
            )
        first = places[0].pointer or "/"
        raise RegenError(
            f"{source.name} cannot be generated: {len(places)} problem(s) listed above "
            f"(first at {first}). To fix it, {source.fix_hint}",
            [f"generator error {p.line()}" for p in places],
        )
    prefix = str(raw_config.get("field_prefix") or "field_")
    return _codegen.check_output(document, package, run, accepted, prefix)


def _report_check(new: Path, target: Path) -> int:
    fresh, current = (
        _codegen.tree_digest(new),
        _codegen.tree_digest(target) if target.is_dir() else {},
    )
    changed = sorted(k for k in fresh.keys() | current.keys() if fresh.get(k) != current.get(k))
    if not changed:
        print(f"regen --check: {target} is up to date")
        return 0
    shown = ", ".join(changed[:10]) + (
        f" and {len(changed) - 10} more" if len(changed) > 10 else ""
    )
    sys.stderr.write(
        f"regen --check: {target} is out of date in {len(changed)} file(s): {shown}; run `make regen`\n"
    )
    return 1


def _namespace_failure(source: Source, done: _codegen.Finished) -> RegenError:
    """The error for namespaces that cannot be written (``issuetrak_tools._nsgen``): an
    operation it cannot describe is refused at its place in the document."""
    places = _namespace_places(source.document, done.stderr)
    if not places:
        tail = done.stderr.strip() or f"status {done.returncode}"
        return RegenError(
            f"{source.name}: the client namespaces cannot be written ({tail.splitlines()[-1]}); "
            "nothing was written"
        )
    return RegenError(
        f"{source.name}: {len(places)} operation(s) listed above cannot become namespace methods "
        f"(first at {places[0].split(':')[0]}); nothing was written. To fix it, {source.fix_hint}",
        places,
    )


def _namespace_places(document: dict[str, Any], report: str) -> list[str]:
    """``/paths/~1users/get: problem`` for each ``operation TAG.NAME: problem`` line."""
    from issuetrak.conventions import pointer
    from issuetrak_tools._nsgen import FAILURE_PREFIX

    where = {key: ops[0] for key, ops in _codegen.expected_modules(document).items()}
    places: list[str] = []
    for line in report.splitlines():
        if not line.startswith(FAILURE_PREFIX):
            continue
        qualname, _, problem = line.removeprefix(FAILURE_PREFIX).partition(": ")
        tag, _, name = qualname.partition(".")
        op = where.get((tag, name)) or next((o for (t, _n), o in where.items() if t == tag), None)
        at = pointer("paths", op.path, op.method.lower()) if op is not None else f"tag {tag}"
        places.append(f"{at}: {problem}")
    return places


def _build(
    source: Source, args: argparse.Namespace, config: Path, workdir: Path
) -> _codegen.Outcome:
    """Generate, check, stamp and complete the package in ``workdir`` (``outcome.package``)."""
    standalone = args.output is not None
    ident = label_ident(source.stamp.label)
    name = args.output.resolve().name if standalone else ident
    home = workdir if standalone else workdir / "issuetrak_client"
    home.mkdir(parents=True, exist_ok=True)
    package = name if standalone else f"{home.name}.{ident}"
    with _codegen.Finisher(workdir, package, home / name) as finisher:
        outcome = _generate(source, config, home, name, args.verbose)
        for line in _warning_lines(outcome):
            sys.stderr.write(line + "\n")
        _check_acceptable(source, outcome, args.allow_warnings)
        assert outcome.package is not None
        document_text = _codegen.canonical_json(source.document)
        stamp = dataclasses.replace(
            source.stamp, document_sha256=hashlib.sha256(document_text.encode()).hexdigest()
        )
        _codegen.stamp_package(outcome.package, stamp)
        _codegen.write_document(outcome.package, document_text)
        if not standalone:
            (home / "__init__.py").write_text("", encoding="utf-8")  # lets the label package import
        # the PATCH table, the import check, then the namespaces (described from the importable
        # package, and importing themselves before they are written)
        done = finisher.finish()
    if done.import_failures:
        raise RegenError(
            f"{source.name}: {len(done.import_failures)} generated module(s) listed above do not "
            f"import; the package was not written. To fix it, {source.fix_hint}",
            [f"module {module} does not import: {error}" for module, error in done.import_failures],
        )
    if done.returncode != 0:
        raise _namespace_failure(source, done)
    return outcome


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    root = project_root()
    config = (args.config or _codegen.GENERATOR_CONFIG).resolve()
    if not config.is_file():
        raise RegenError(f"generator config {config} not found")
    _codegen.generator_command()  # fail before any work if the generator is missing
    if args.from_file is not None:
        source = _file_source(args.from_file, args.label, args.overrides)
    elif args.overrides is not None:
        raise RegenError(
            "--overrides goes with --from; a pinned label's overrides live in spec/<label>/overrides.json"
        )
    else:
        source = _pinned_source(args.label)
    index = (root / GENERATED_INDEX).resolve()
    ident = label_ident(source.stamp.label)
    target = args.output.resolve() if args.output is not None else index / ident
    writes_index = args.output is None and (
        source.stamp.label == _default_label_or_none() or not (index / "__init__.py").is_file()
    )
    workdir = Path(tempfile.mkdtemp(prefix="issuetrak-regen-"))
    try:
        outcome = _build(source, args, config, workdir)
        assert outcome.package is not None
        if args.check:
            return _report_check(outcome.package, target)
        _codegen.replace_tree(outcome.package, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if writes_index:
        _codegen.write_index(index, source.stamp.label, ident)
    total = sum(1 for _ in iter_operations(source.document))
    left_out = f", {len(outcome.missing)} left out (see warnings above)" if outcome.missing else ""
    print(
        f"regen: {target} from {source.stamp.label} (sha256 {source.stamp.sha256[:12]}...): "
        f"{outcome.modules} of {total} operations{left_out}, {time.perf_counter() - started:.1f} s"
    )
    return 0


def _default_label_or_none() -> str | None:
    try:
        return default_label()
    except SpecError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``issuetrak regen``; returns the exit status."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return run(args)
    except RegenError as exc:
        for line in exc.problems:
            sys.stderr.write(f"regen: {line}\n")
        sys.stderr.write(f"regen: {one_line(exc)}\n")
        return 1
    except (SpecError, _codegen.GeneratorMissing, _codegen.GeneratorConfigError) as exc:
        sys.stderr.write(f"regen: {one_line(exc)}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"regen: {exc}; the previous package was left in place\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("regen: interrupted; the previous package was left in place\n")
        return 130
