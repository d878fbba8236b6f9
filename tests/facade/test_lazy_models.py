from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from issuetrak import _lazy_models

EAGER_INIT = '''"""Eager, as openapi-python-client writes it."""

from .thing import Thing
from .other_thing import (
    OtherThing,
)

__all__ = ("OtherThing", "Thing")
'''

LAZY_INIT = '''"""Lazy, as the project's models_init template writes it."""
import typing as _typing

if _typing.TYPE_CHECKING:
    from .thing import Thing

_MODULES = {"Thing": "thing"}
LOADED_LAZILY = True
'''


@pytest.fixture
def make_package(tmp_path: Path) -> Iterator[object]:
    made: list[str] = []

    def make(name: str, init: str) -> str:
        root = tmp_path / name / "models"
        root.mkdir(parents=True)
        (tmp_path / name / "__init__.py").write_text("")
        (root / "__init__.py").write_text(init)
        (root / "thing.py").write_text("class Thing:\n    pass\n")
        (root / "other_thing.py").write_text("class OtherThing:\n    pass\n")
        made.append(name)
        return f"{name}.models"

    sys.path.insert(0, str(tmp_path))
    yield make
    sys.path.remove(str(tmp_path))
    for name in list(sys.modules):
        if name.split(".")[0] in made:
            del sys.modules[name]


def test_an_eager_models_package_is_replaced_by_one_that_imports_on_first_use(
    make_package: object,
) -> None:
    package = make_package("eagerpkg", EAGER_INIT)  # type: ignore[operator]
    _lazy_models.install(package)
    models = sys.modules[package]
    assert f"{package}.thing" not in sys.modules
    from eagerpkg.models import OtherThing  # type: ignore[import-not-found]

    assert OtherThing.__module__ == f"{package}.other_thing"
    assert f"{package}.thing" not in sys.modules  # only what was asked for
    assert set(models.__all__) == {"Thing", "OtherThing"}
    assert "Thing" in dir(models)
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        models.Nothing  # noqa: B018


def test_a_models_package_that_is_lazy_already_is_left_to_itself(make_package: object) -> None:
    package = make_package("lazypkg", LAZY_INIT)  # type: ignore[operator]
    _lazy_models.install(package)
    assert package not in sys.modules  # nothing installed in its place
    import lazypkg.models  # type: ignore[import-not-found]

    assert lazypkg.models.LOADED_LAZILY is True
