"""The sample alpha's own tests (Gate B runs them in a subprocess with a timeout)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hft.app.strategies.market_maker import MarketMaker

SPEC = tomllib.loads((Path(__file__).parent.parent / "alpha.toml").read_text())


def test_defaults_lie_within_their_ranges() -> None:
    """Every parameter's default sits inside its declared [low, high]."""
    for name, p in SPEC["parameters"].items():
        assert p["low"] <= p["default"] <= p["high"], name


def test_market_maker_accepts_the_declared_parameters() -> None:
    """The strategy class takes exactly the parameters the spec declares."""
    strategy = MarketMaker(**{n: p["default"] for n, p in SPEC["parameters"].items()})
    assert strategy.edge_ticks == SPEC["parameters"]["edge_ticks"]["default"]
    assert strategy.max_position == SPEC["parameters"]["max_position"]["default"]
