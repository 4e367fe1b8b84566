"""Loads the versioned gate thresholds (`gates.toml`, shipped in this package) into the domain."""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from hft.domain.canary import CanaryThresholds
from hft.domain.gate_thresholds import (
    BacktestThresholds,
    GateThresholds,
    PromotionThresholds,
    ReadinessThresholds,
)


class ThresholdsError(ValueError):
    """The thresholds file is missing a section or key, or holds a non-integer value."""


@attrs.frozen(kw_only=True)
class PipelineConfig:
    """Everything the pipeline is judged by; `version` is `<declared version>+<sha256[:12]>`."""

    gates: GateThresholds
    canary: CanaryThresholds
    folds: int
    keep_days: int
    sha256: str

    @property
    def version(self) -> str:
        return self.gates.version


def _ints(table: dict[str, Any], cls: type[Any], section: str) -> Any:
    names = [f.name for f in attrs.fields(cls)]
    try:
        values = {n: table[section][n] for n in names}
    except KeyError as exc:
        raise ThresholdsError(f"[{section}] lacks {exc.args[0]!r}") from None
    if any(isinstance(v, bool) or not isinstance(v, int | list) for v in values.values()):
        raise ThresholdsError(f"[{section}]: every threshold must be an integer")
    if "tiers_bps" in values:
        values["tiers_bps"] = tuple(values["tiers_bps"])
    return cls(**values)


def parse_config(raw: bytes) -> PipelineConfig:
    """Parse a thresholds file's bytes. Raises ThresholdsError on a bad file."""
    try:
        table = tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThresholdsError(f"thresholds file is not valid TOML: {exc}") from exc
    sha = hashlib.sha256(raw).hexdigest()
    gates = GateThresholds(
        version=f"{table.get('version', 'unversioned')}+{sha[:12]}",
        backtest=_ints(table, BacktestThresholds, "backtest"),
        promotion=_ints(table, PromotionThresholds, "promotion"),
        readiness=_ints(table, ReadinessThresholds, "readiness"),
    )
    return PipelineConfig(
        gates=gates,
        canary=_ints(table, CanaryThresholds, "canary"),
        folds=int(table["backtest"].get("folds", gates.backtest.min_folds)),
        keep_days=int(table.get("retention", {}).get("keep_days", 30)),
        sha256=sha,
    )


def load_config(path: Path | None = None) -> PipelineConfig:
    """The packaged `gates.toml`, or the file at `path` when given."""
    if path is None:
        raw = resources.files("hft.app.alpha").joinpath("gates.toml").read_bytes()
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ThresholdsError(f"cannot read thresholds {path}: {exc}") from exc
    return parse_config(raw)
