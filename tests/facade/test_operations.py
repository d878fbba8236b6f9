from __future__ import annotations

import ast
import asyncio
import copy
import importlib
import inspect
import io
import json
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest
from issuetrak._models import snake
from issuetrak._versions import default_version
from issuetrak_tools import _describe as _catalog
from issuetrak_tools.spec import iter_operations

from .conftest import BASE, AsyncFacadeClient, FacadeClient, sample, success_response

PATH_VALUE = 4242  # distinctive, so it can be turned back into a template
PKG = default_version().package  # issuetrak_client.<default label>


def _run(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` (with PKG standing for the default label's package) in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", code.replace("PKG", PKG)], capture_output=True, text=True, check=True
    )


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _minimal_call(
    doc: dict[str, Any], spec: _catalog.OpSpec
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Arguments built from the generated signature, bodies from the document's request schema."""
    args = tuple(PATH_VALUE for _ in spec.path_params)
    if spec.body_cls is None:
        return args, {}
    if hasattr(spec.body_cls, "to_multipart"):
        from issuetrak_client.types import File  # the default label's, like the client's

        return args, {
            "body": spec.body_cls(file=[File(payload=io.BytesIO(b"x"), file_name="a.txt")])
        }
    if not spec.body_required and not spec.paged_by_body:
        return args, {}
    if spec.paged_by_body:
        return args, {}  # the facade sends an empty filter with paging set
    name = spec.body_cls.__name__
    item = sample(doc, {"$ref": f"#/components/schemas/{name}"}, full=False)
    return args, {"body": [item] if spec.body_is_list else item}


def _router(doc: dict[str, Any], seen: list[tuple[str, str]]) -> httpx.MockTransport:
    templates = {(op.method, _template(op.path)): op for op in iter_operations(doc)}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v2").replace(str(PATH_VALUE), "{}")
        op = templates.get((request.method, path))
        if op is None:
            raise AssertionError(f"not a documented operation: {request.method} {path}")
        seen.append((request.method, path))
        status, schema = success_response(doc, op.method, op.path)
        if schema is None:
            return httpx.Response(status)
        return httpx.Response(status, json=sample(doc, schema))

    return httpx.MockTransport(handler)


def _all_methods() -> list[tuple[str, str]]:
    return [(tag, name) for tag in _catalog.tags() for name in _catalog.operation_names(tag)]


def test_every_documented_operation_has_exactly_one_generated_facade_method(
    doc: dict[str, Any],
) -> None:
    documented = sorted((op.method, _template(op.path)) for op in iter_operations(doc))
    assert len(documented) == len(set(documented))
    assert len(_all_methods()) == len(documented)


def test_every_operation_is_reachable_and_sends_its_documented_method_and_path(
    doc: dict[str, Any],
) -> None:
    seen: list[tuple[str, str]] = []
    client = FacadeClient(
        BASE, token="t0ken", transport=_router(doc, seen), rate_limits=None, max_retries=0
    )
    reached: dict[tuple[str, str], str] = {}
    for tag, name in _all_methods():
        namespace = getattr(client, tag)
        spec = _catalog.load(tag, name)
        args, kwargs = _minimal_call(doc, spec)
        before = len(seen)
        outcome = getattr(namespace, name)(*args, **kwargs)
        if spec.paged_by_query or spec.paged_by_body:
            next(iter(outcome.pages()))
        assert len(seen) == before + 1, f"{tag}.{name} sent {len(seen) - before} requests"
        reached[seen[-1]] = f"{tag}.{name}"
    documented = {(op.method, _template(op.path)): op for op in iter_operations(doc)}
    assert set(reached) == set(documented)
    for key, qualname in reached.items():
        op_id = documented[key].operation_id
        if op_id:  # the method is named after the operationId
            assert qualname.split(".")[1] == snake(op_id), (qualname, op_id)


def test_every_operation_is_reachable_on_the_async_client(doc: dict[str, Any]) -> None:
    seen: list[tuple[str, str]] = []

    async def run() -> None:
        client = AsyncFacadeClient(
            BASE, token="t0ken", transport=_router(doc, seen), rate_limits=None, max_retries=0
        )
        for tag, name in _all_methods():
            spec = _catalog.load(tag, name)
            args, kwargs = _minimal_call(doc, spec)
            outcome = getattr(getattr(client, tag), name)(*args, **kwargs)
            if spec.paged_by_query or spec.paged_by_body:
                async for _page in outcome.pages():
                    break
            else:
                await outcome
        await client.aclose()

    asyncio.run(run())
    assert {k for k in seen} == {(op.method, _template(op.path)) for op in iter_operations(doc)}


@pytest.mark.parametrize(
    ("tag", "alias", "operation"),
    [
        ("users", "list", "get_users"),
        ("users", "get", "get_user"),
        ("users", "search", "search_for_users"),
        ("priorities", "get", "get_priority"),
        ("classes", "get", "get_class"),
        ("subtypes_3", "list", "get_subtypes_3"),
        ("issues", "create", "create_issue"),
        ("issue_audit_history", "search", "search_audit_history"),
        ("users_group_membership", "add", "add_user_group_memberships"),
        ("groups_organizations_membership", "set", "set_group_organization_memberships"),
    ],
)
def test_short_names_point_at_the_operation_of_that_shape(
    tag: str, alias: str, operation: str
) -> None:
    assert _catalog.friendly_names(tag)[alias] == operation


def test_a_single_record_is_returned_unwrapped_from_its_envelope(
    client: FacadeClient, recorder: Any, doc: dict[str, Any]
) -> None:
    recorder.on(
        "GET",
        "/Priorities/7",
        {
            "traceId": "abc",
            "values": sample(doc, {"$ref": "#/components/schemas/Priority"}) | {"iid": 7},
        },
    )
    priority = client.priorities.get(7)
    assert type(priority).__name__ == "Priority"
    assert priority.iid == 7


def test_unknown_namespace_and_method_names_raise_attribute_error_listing_choices(
    client: FacadeClient,
) -> None:
    with pytest.raises(AttributeError):
        client.no_such_thing  # noqa: B018
    with pytest.raises(AttributeError, match=r"available: .*get_user"):
        client.users.delete  # noqa: B018
    assert "users" in dir(client)
    assert {"list", "get", "search", "create", "update", "get_user_udfs"} <= set(dir(client.users))


def test_a_shallow_copy_of_a_client_gets_namespaces_bound_to_itself(client: FacadeClient) -> None:
    users = client.users
    clone = copy.copy(client)  # shares the instance dict's namespace cache
    assert clone.users is not users
    assert clone.users._client is clone
    assert client.users._client is client


def test_importing_issuetrak_imports_no_generated_model_or_operation_module() -> None:
    code = (
        "import sys, issuetrak\n"
        "bad = [m for m in sys.modules if m.startswith(('PKG.models', 'PKG.api.'))]\n"
        "print(len(bad))\n"
    )
    out = _run(code)
    assert out.stdout.strip() == "0"


def test_first_use_of_a_namespace_imports_only_the_operations_of_its_tag(
    doc: dict[str, Any],
) -> None:
    code = (
        "import sys, httpx, issuetrak\n"
        "c = issuetrak.Issuetrak('https://s.example', token='t', transport=httpx.MockTransport(lambda r: None), rate_limits=None)\n"
        "c.users.get\n"
        "ops = sorted(m for m in sys.modules if m.startswith('PKG.api.') and m.count('.') == 4)\n"
        "print(ops)\n"
    )
    out = _run(code)
    imported = ast.literal_eval(out.stdout.strip())
    assert f"{PKG}.api.users.get_user" in imported
    assert all(name.startswith(f"{PKG}.api.users.") for name in imported), imported


def test_methods_carry_their_facade_name_and_the_operations_documentation(
    client: FacadeClient,
) -> None:
    get_users = importlib.import_module(f"{PKG}.api.users.get_users")

    method = client.users.list
    assert method.__qualname__ == "Users.list"
    assert client.users.get_users == method  # the operation's own name is the same method
    assert inspect.getsourcefile(method) == inspect.getsourcefile(type(client.users))
    generated = get_users.sync_detailed.__doc__ or ""
    summary = " ".join(generated.split("Args:")[0].split())
    assert method.__doc__ is not None
    assert " ".join(method.__doc__.split()).startswith(summary)
    # what the facade returns and raises, not the generated function's Response[...]
    assert "SyncPager of User across pages" in method.__doc__
    assert "Response[" not in method.__doc__
    assert "UsageError" in method.__doc__


def test_a_merge_update_is_named_update_and_documents_itself(client: FacadeClient) -> None:
    method = client.users.update
    assert (method.__name__, method.__qualname__) == ("update", "Users.update")
    assert method.__doc__ is not None and "Merge-update" in method.__doc__
    assert "update_user" in method.__doc__


def test_the_first_facade_call_imports_only_the_models_it_needs(doc: dict[str, Any]) -> None:
    record = sample(doc, {"$ref": "#/components/schemas/Priority"}) | {"name": "High"}
    reply = json.dumps({"traceId": "t", "values": record})
    code = (
        "import json, sys, httpx, issuetrak\n"
        f"reply = json.loads({reply!r})\n"
        "c = issuetrak.Issuetrak('https://s.example', token='t', rate_limits=None,\n"
        "    transport=httpx.MockTransport(lambda r: httpx.Response(200, json=reply)))\n"
        "print(c.priorities.get(3).name)\n"
        "loaded = sum(n.startswith('PKG.models.') for n in sys.modules)\n"
        "import pkgutil, PKG.models as m\n"
        "print(loaded, len(list(pkgutil.iter_modules(m.__path__))))\n"
    )
    out = _run(code)
    name, counts = out.stdout.split("\n")[:2]
    loaded, every = map(int, counts.split())
    assert name == "High"
    assert 0 < loaded < every / 10


def test_names_imported_from_the_models_package_still_resolve_one_module_at_a_time() -> None:
    code = (
        "import sys, issuetrak\n"
        "issuetrak.Issuetrak\n"
        "from issuetrak_client.models import User, UserFilter\n"
        "import issuetrak_client.models as m\n"
        "print(User.__module__, UserFilter.__name__, 'Priority' in dir(m), len(m.__all__))\n"
        "print(sum(n.startswith('PKG.models.') for n in sys.modules) < 30)\n"
    )
    out = _run(code)
    first, few = out.stdout.split("\n")[:2]
    module, filter_name, has_priority, count = first.split()
    assert (module, filter_name, has_priority) == (
        f"{PKG}.models.user",
        "UserFilter",
        "True",
    )
    assert int(count) > 300
    assert few == "True"
