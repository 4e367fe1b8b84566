"""The names runner scripts import from `hft` resolve, lazily, to the defining objects."""

from __future__ import annotations

import subprocess
import sys

import pytest

import hft
from hft.app.gateway.service import Gateway
from hft.domain.values import PRICE_SCALE


def test_every_exported_name_resolves_and_the_export_table_is_the_public_list() -> None:
    """`__all__` is exactly the lazily exported names, and each one resolves."""
    assert sorted(hft._EXPORTS) == sorted(hft.__all__)
    for name in hft.__all__:
        assert getattr(hft, name) is not None


def test_exported_names_are_the_objects_their_modules_define() -> None:
    """`from hft import Gateway` gives the gateway class itself, not a copy or a proxy."""
    assert hft.Gateway is Gateway
    assert hft.PRICE_SCALE == PRICE_SCALE == 10_000


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Gatewy'"):
        _ = hft.Gatewy


def test_importing_a_submodule_does_not_load_the_gateway() -> None:
    """A loader worker imports `hft.adapters.codec` without the gateway or the simulator."""
    probe = (
        "import sys, hft.adapters.codec; "
        "print('hft.app.gateway.service' in sys.modules, 'hft.app.sim' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
