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
