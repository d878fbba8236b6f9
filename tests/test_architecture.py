"""Which way imports go, that no package imports itself in a circle, and that every third-party
module a shipped package imports is declared by the extra that ships it.

The project's import packages, bottom to top (see DEVELOPERS.md):

    issuetrak_client   generated per label (not read here: a build product)
    issuetrak          the runtime SDK: depends on the generated package only
    issuetrak_mock     the mock ([mock]): runtime + generated
    issuetrak_tools    tooling ([tools], [contract]) and contract_tests/: anything below
    tests, bench       nothing imports them

Imports are read from the source (``ast``), at any depth (a function-level import is an import);
those under ``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = {
    "issuetrak": REPO / "overlay" / "issuetrak",
    "issuetrak_mock": REPO / "mock" / "issuetrak_mock",
    "issuetrak_tools": REPO / "tools" / "issuetrak_tools",
    "contract_tests": REPO / "contract_tests",
    "bench": REPO / "bench",
}
PROJECT = {*SOURCES, "issuetrak_client", "tests", "bench"}
ALLOWED: dict[str, set[str]] = {
    "issuetrak": {"issuetrak", "issuetrak_client"},
    "issuetrak_mock": {"issuetrak_mock", "issuetrak", "issuetrak_client"},
    "issuetrak_tools": {"issuetrak_tools", "issuetrak_mock", "issuetrak", "issuetrak_client"},
    "contract_tests": {"issuetrak_tools", "issuetrak_mock", "issuetrak", "issuetrak_client"},
    # read for private imports and cycles; its ratios replay the tests' own scenarios
    "bench": {
        "bench",
        "tests",
        "issuetrak_tools",
        "issuetrak_mock",
        "issuetrak",
        "issuetrak_client",
    },
}
# Tests (tests/) are not read for private imports: a unit test may test a private unit directly.
# The generated namespaces and regen's code that writes them use issuetrak.facade and
# issuetrak.codegen, so no module outside the runtime is exempt.
GENERATED = REPO / "generated" / "issuetrak_client"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted and absolute
    line: int


def _module_name(package: str, path: Path) -> str:
    relative = path.relative_to(SOURCES[package]).with_suffix("")
    parts = [package, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield other
                yield from _walk(other)
            continue
        yield child
        yield from _walk(child)


def _imports_of(package: str, path: Path) -> Iterator[Import]:
    module = _module_name(package, path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield Import(module, target, node.lineno)
            for alias in node.names:  # ``from . import _catalog`` imports a module
                yield Import(module, f"{target}.{alias.name}", node.lineno)


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    found: list[Import] = []
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            found.extend(_imports_of(package, path))
    return found


@pytest.fixture(scope="module")
def modules() -> set[str]:
    return {
        _module_name(package, path)
        for package, folder in SOURCES.items()
        for path in folder.rglob("*.py")
    }


def _top(name: str) -> str:
    return name.split(".")[0]


def test_imports_go_one_way(imports: list[Import]) -> None:
    wrong = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in imports
        if _top(i.target) in PROJECT and _top(i.target) not in ALLOWED[_top(i.source)]
    ]
    assert wrong == []


def _private_runtime_name(target: str) -> bool:
    """``issuetrak._retry`` (or a name in it): a module of the runtime that is not public."""
    parts = target.split(".")
    return parts[0] == "issuetrak" and any(
        p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts[1:]
    )


def test_nothing_outside_the_runtime_imports_a_private_runtime_name(
    imports: list[Import],
) -> None:
    private = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in imports
        if _top(i.source) != "issuetrak" and _private_runtime_name(i.target)
    ]
    assert private == []


def test_the_private_import_rule_sees_private_modules_and_names() -> None:
    assert _private_runtime_name("issuetrak._retry")
    assert _private_runtime_name("issuetrak._ratelimit._origin")
    assert _private_runtime_name("issuetrak.conventions._x")
    assert not _private_runtime_name("issuetrak.conventions.is_write")
    assert not _private_runtime_name("issuetrak.__version__")
    assert not _private_runtime_name("issuetrak_mock._x")


def _absolute_imports(path: Path) -> Iterator[tuple[str, int]]:
    """``(module or module.name, line)`` of every absolute import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module, node.lineno
            yield from ((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)


def test_generated_namespaces_import_no_private_runtime_name() -> None:
    """What regen writes builds on :mod:`issuetrak.facade`, not on the runtime's internals."""
    files = sorted(GENERATED.glob("*/namespaces/*.py"))
    assert files, "no generated namespaces: run regen first"
    private = [
        f"{path.relative_to(REPO)}:{line} imports {target}"
        for path in files
        for target, line in _absolute_imports(path)
        if _private_runtime_name(target)
    ]
    assert private == []


def test_the_facade_surface_holds_every_entity_base() -> None:
    """A generated class for a tag with hand-written helpers imports its base from the facade."""
    from issuetrak import codegen, facade

    for entity in codegen.ENTITIES.values():
        assert getattr(facade, entity.sync.__name__) is entity.sync
        assert getattr(facade, entity.async_.__name__) is entity.async_


def test_the_checker_sees_function_level_imports_and_skips_type_checking_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "issuetrak"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import issuetrak_tools.spec\n"
        "def f():\n    from issuetrak_mock import app\n    from . import b\n"
    )
    monkeypatch.setitem(SOURCES, "issuetrak", folder)
    found = {i.target for i in _imports_of("issuetrak", folder / "a.py")}
    assert {"issuetrak_mock", "issuetrak_mock.app", "issuetrak.b"} <= found
    assert "issuetrak_tools.spec" not in found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _module_edges(imports: list[Import], modules: set[str], package: str) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for item in imports:
        if _top(item.source) != package:
            continue
        target = item.target
        while target and target not in modules:  # ``pkg.mod.name`` -> ``pkg.mod``
            target = target.rpartition(".")[0]
        if target and target != item.source and _top(target) == package:
            if item.source.startswith(f"{target}.") and target == package:
                continue  # a submodule reading its package's __init__ is not a cycle of modules
            edges.setdefault(item.source, set()).add(target)
    return edges


@pytest.mark.parametrize("package", sorted(SOURCES))
def test_no_package_imports_itself_in_a_circle(
    imports: list[Import], modules: set[str], package: str
) -> None:
    # the contract's check families register on import and the plan and the engine look them
    # up at call time; the families build steps from the leaf modules (tiers, probe), never
    # from the plan or the engine, so no circle is left to tolerate
    assert _cycles(_module_edges(imports, modules, package)) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# --- declared dependencies ---------------------------------------------------------------------


def _requirements() -> dict[str, set[str]]:
    """extra -> distribution names it brings (``""``: the core dependencies), self-references
    (``issuetrak[mock]``) resolved."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    raw = {"": project["dependencies"], **project["optional-dependencies"]}

    def names(extra: str, seen: frozenset[str] = frozenset()) -> set[str]:
        out: set[str] = set()
        for requirement in raw[extra]:
            name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
            if name == project["name"]:
                for inner in re.findall(r"\[([^\]]+)\]", requirement)[0].split(","):
                    if inner.strip() not in seen:
                        out |= names(inner.strip(), seen | {extra})
            else:
                out.add(name.replace("_", "-"))
        return out

    return {extra: names(extra) for extra in raw}


def _third_party(imports: list[Import], sources: set[str]) -> dict[str, str]:
    """top-level third-party module -> one place that imports it."""
    out: dict[str, str] = {}
    for item in imports:
        top = _top(item.target)
        third_party = top not in PROJECT and top not in sys.stdlib_module_names
        if item.source in sources and top and third_party and top != "__future__":
            out.setdefault(top, f"{item.source}:{item.line}")
    return out


def _closure(imports: list[Import], modules: set[str], roots: set[str]) -> set[str]:
    by_source: dict[str, set[str]] = {}
    for item in imports:
        target = item.target
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target:
            by_source.setdefault(item.source, set()).add(target)
    seen, todo = set(), list(roots)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(by_source.get(module, ()))
        parent = module.rpartition(".")[0]  # importing a module runs its packages' __init__
        if parent:
            todo.append(parent)
    return seen


def _undeclared(imports: list[Import], sources: set[str], extra: str) -> list[str]:
    declared = _requirements()[""] | _requirements()[extra]
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(_third_party(imports, sources).items()):
        distributions = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
        if not distributions & declared:
            missing.append(f"{module} ({where}) from {sorted(distributions)}")
    return missing


def test_the_runtime_imports_only_its_declared_dependencies(
    imports: list[Import], modules: set[str]
) -> None:
    runtime = {m for m in modules if _top(m) == "issuetrak"}
    assert _requirements()[""] == {"httpx", "attrs", "python-dateutil", "anyio"}
    assert _undeclared(imports, runtime, "") == []


def test_the_mock_imports_only_what_the_mock_extra_declares(
    imports: list[Import], modules: set[str]
) -> None:
    mock = _closure(imports, modules, {m for m in modules if _top(m) == "issuetrak_mock"})
    assert not any(_top(m) == "issuetrak_tools" for m in mock)
    assert _undeclared(imports, mock, "mock") == []


@pytest.mark.parametrize("command", ["regen", "fetch-spec", "spec-diff", "drift", "contract"])
def test_each_command_imports_only_what_its_extra_declares(
    imports: list[Import], modules: set[str], command: str
) -> None:
    from issuetrak_tools.cli import COMMANDS, EXTRAS

    roots = {f"issuetrak_tools.cli.{COMMANDS[command][0]}"}
    if command == "contract":  # the suite the command runs, in a pytest of its own
        roots |= {m for m in modules if _top(m) == "contract_tests"}
    assert _undeclared(imports, _closure(imports, modules, roots), EXTRAS[command]) == []


def test_every_tooling_module_is_declared_by_the_tools_extra(
    imports: list[Import], modules: set[str]
) -> None:
    tools = {m for m in modules if _top(m) == "issuetrak_tools"}
    contract = {m for m in tools if m.startswith("issuetrak_tools._contract")}
    assert _undeclared(imports, tools - contract, "tools") == []


def test_an_undeclared_import_is_reported(imports: list[Import]) -> None:
    fake = [*imports, Import("issuetrak._client", "yaml", 1)]
    assert any(line.startswith("yaml ") for line in _undeclared(fake, {"issuetrak._client"}, ""))


# The contract checks judge a site by the document; the mock is one of the sites they judge, so
# they may share Issuetrak's conventions with it (issuetrak.conventions) but never its code.
ORACLE = (
    "issuetrak_tools._contract.checks",
    "issuetrak_tools._contract.semantics",
    "issuetrak_tools._contract.search",
    "issuetrak_tools._contract.paging",
)


def test_the_contract_checks_reach_no_mock_code(imports: list[Import], modules: set[str]) -> None:
    edges: dict[str, set[str]] = {}
    for item in imports:
        target = item.target
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target:
            edges.setdefault(item.source, set()).add(target)
    reached, todo = set(ORACLE), list(ORACLE)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    assert set(ORACLE) <= modules
    assert sorted(m for m in reached if _top(m) == "issuetrak_mock") == []
