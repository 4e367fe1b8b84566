"""The alpha spec (`alpha.toml`): what an alpha declares about itself for Gate A and the runs.

```toml
id = "alpha_mm"
kind = "rule"                  # or "rl" (then `policy` names the policy artifact file)
strategy = "hft.app.strategies.market_maker:MarketMaker"
symbol = "2330"
data_fields = ["bid_px", "ask_px"]
latency_profile = "colo"
tests = "tests"                # the alpha's own tests, relative to the spec
seed = 7
[parameters.edge_ticks]
default = 1
low = 1
high = 10
```
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

import attrs

from hft.domain.events import DomainEvent
from hft.domain.market import QuoteReceived
from hft.domain.scorecard import FeasibilityEvidence, ParameterSpec

DEFAULT_LATENCY_PROFILES = ("zero", "colo", "shioaji-sim")
"""Latency presets of the simulator (bootstrap passes the simulator's own list)."""

AVAILABLE_FIELDS = tuple(
    sorted(
        f.name
        for f in attrs.fields(QuoteReceived)
        if f.name not in {a.name for a in attrs.fields(DomainEvent)}
    )
)
"""Market data fields the platform records (the QuoteReceived event's own fields)."""


class SpecError(ValueError):
    """The spec file is missing, not TOML, or lacks a required key of the right type."""


@attrs.frozen(kw_only=True)
class AlphaSpec:
    """A parsed spec. `path` is the spec file; `sha256` the hash of its bytes."""

    alpha_id: str
    kind: str
    strategy: str
    symbol: str
    data_fields: tuple[str, ...]
    latency_profile: str
    parameters: tuple[ParameterSpec, ...]
    tests_dir: Path
    seed: int
    policy: Path | None
    path: Path
    sha256: str

    def parameter_values(self) -> tuple[tuple[str, int], ...]:
        return tuple((p.name, p.default) for p in self.parameters)

    def feasibility(
        self, known_latency_profiles: tuple[str, ...] = DEFAULT_LATENCY_PROFILES
    ) -> FeasibilityEvidence:
        """Gate A evidence: the spec against what the platform offers."""
        return FeasibilityEvidence(
            strategy=self.strategy,
            declared_fields=self.data_fields,
            available_fields=AVAILABLE_FIELDS,
            latency_profile=self.latency_profile,
            known_latency_profiles=known_latency_profiles,
            parameters=self.parameters,
        )


def _get(table: dict[str, Any], key: str, kind: type) -> Any:
    value = table.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise SpecError(f"spec key {key!r} must be a {kind.__name__}, got {value!r}")
    return value


def _parameter(name: str, table: Any) -> ParameterSpec:
    if not isinstance(table, dict):
        raise SpecError(f"parameter {name!r} must be a table with default, low, high")
    return ParameterSpec(
        name=name,
        default=_get(table, "default", int),
        low=_get(table, "low", int),
        high=_get(table, "high", int),
    )


def load_spec(path: Path) -> AlphaSpec:
    """Read and check an `alpha.toml`. Raises SpecError naming the bad key."""
    try:
        raw = path.read_bytes()
        table = tomllib.loads(raw.decode())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"cannot read spec {path}: {exc}") from exc
    params = table.get("parameters", {})
    if not isinstance(params, dict):
        raise SpecError("spec key 'parameters' must be a table")
    policy = table.get("policy")
    return AlphaSpec(
        alpha_id=_get(table, "id", str),
        kind=table.get("kind", "rule"),
        strategy=_get(table, "strategy", str),
        symbol=_get(table, "symbol", str),
        data_fields=tuple(_get(table, "data_fields", list)),
        latency_profile=_get(table, "latency_profile", str),
        parameters=tuple(_parameter(n, t) for n, t in params.items()),
        tests_dir=path.parent / str(table.get("tests", "tests")),
        seed=int(table.get("seed", 1)),
        policy=path.parent / str(policy) if policy else None,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )
