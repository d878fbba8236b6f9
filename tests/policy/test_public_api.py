from __future__ import annotations

import importlib
import inspect

import issuetrak
import issuetrak.auth


def test_all_lists_every_public_name_and_each_imports() -> None:
    for module in (issuetrak, issuetrak.auth):
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
        }
        assert public <= set(module.__all__), f"{module.__name__}: missing from __all__"
        for name in module.__all__:
            assert getattr(importlib.import_module(module.__name__), name) is not None


def test_every_lazily_imported_name_is_public_and_resolves() -> None:
    lazy = set(issuetrak._LAZY)
    assert lazy == set(issuetrak.__all__) - {"__version__"}
    for name in lazy:
        value = getattr(issuetrak, name)
        assert name.isupper() or value.__module__.startswith("issuetrak."), name


def test_unknown_attribute_of_the_package_raises_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'Isuetrak'"):
        issuetrak.Isuetrak  # noqa: B018


def test_issue_names_are_importable() -> None:
    from issuetrak import (  # noqa: F401
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AsyncIssuetrak,
        AuthenticationError,
        BadRequestError,
        InternalServerError,
        Issuetrak,
        IssuetrakError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
    )
    from issuetrak.auth import ApiTokenAuth, HmacAuth  # noqa: F401

    assert issubclass(APITimeoutError, APIConnectionError)
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        InternalServerError,
    ):
        assert issubclass(cls, APIStatusError) and issubclass(cls, IssuetrakError)


PUBLIC_MODULES = (
    "issuetrak",
    "issuetrak.auth",
    "issuetrak.codegen",
    "issuetrak.config",
    "issuetrak.conventions",
    "issuetrak.errors",
    "issuetrak.facade",
    "issuetrak.filters",
    "issuetrak.permissions",
    "issuetrak.ratelimit",
    "issuetrak.transport",
    "issuetrak.usage",
    "issuetrak.versions",
)


def _private_modules() -> list[object]:
    import pkgutil

    return [
        importlib.import_module(f"issuetrak.{info.name}")
        for info in pkgutil.iter_modules(issuetrak.__path__)
        if info.name.startswith("_") and info.name != "__main__"
    ]


def _exported() -> set[object]:
    out: set[object] = set()
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        out |= {
            getattr(module, n)
            for n in module.__all__
            if inspect.isclass(getattr(module, n)) or inspect.isfunction(getattr(module, n))
        }
    return out


def test_every_error_class_is_importable_from_issuetrak_errors() -> None:
    import issuetrak.errors

    errors = {
        value
        for module in _private_modules()
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, issuetrak.IssuetrakError)
    }
    public = {getattr(issuetrak.errors, n) for n in issuetrak.errors.__all__}
    assert errors - public == set()


def test_pagers_patch_builder_raw_response_and_filter_builders_are_public() -> None:
    from issuetrak._paging import AsyncPager, Page, SyncPager
    from issuetrak._patch import IssuePatch
    from issuetrak._raw import RawResponse

    exported = _exported()
    for value in (AsyncPager, Page, SyncPager, IssuePatch, RawResponse):
        assert value in exported, value
    import issuetrak.filters

    builders = {
        value
        for name, value in vars(issuetrak.filters).items()
        if inspect.isfunction(value)
        and value.__module__ == "issuetrak.filters"
        and not name.startswith("_")
    }
    assert builders and builders <= exported


def test_every_public_module_lists_what_it_defines_in_all() -> None:
    for name in PUBLIC_MODULES[1:]:
        module = importlib.import_module(name)
        defined = {
            n
            for n, value in vars(module).items()
            if not n.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and value.__module__ == name
        }
        assert defined <= set(module.__all__), (name, defined - set(module.__all__))
        for n in module.__all__:
            getattr(module, n)
