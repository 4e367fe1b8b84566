"""The gateway strategy config: weight changes are recorded by hash and restore exactly."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.app.alpha.gateway_config import ConfigFileError, StrategyConfigFile, sha256_of

OTHERS = st.dictionaries(
    st.text(alphabet="abcdefghij_", min_size=1, max_size=6).filter(lambda s: s != "mm"),
    st.fixed_dictionaries({"weight_bps": st.integers(0, 10_000), "strategy": st.just("p:C")}),
    max_size=3,
)


@given(
    others=OTHERS,
    indent=st.sampled_from([None, 1, 4]),
    weights=st.lists(st.integers(1, 10_000), min_size=1, max_size=4),
)
def test_roundtrip_property_restore_returns_original_bytes(
    others: dict[str, dict[str, object]], indent: int | None, weights: list[int]
) -> None:
    """Any sequence of weight changes, then restore to the first snapshot: the same bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        config = StrategyConfigFile(Path(tmp) / "strategies.json")
        original = json.dumps({"strategies": others}, indent=indent).encode()
        config.path.write_bytes(original)
        first = config.set_weight("mm", "p:MM", weights[0])
        assert first.before_sha256 == sha256_of(original)
        for w in weights[1:]:
            config.set_weight("mm", "p:MM", w)
        assert config.entry("mm") == {"strategy": "p:MM", "weight_bps": weights[-1]}
        change = config.restore_entry("mm", first.before_sha256)
        assert config.path.read_bytes() == original
        assert change.after_sha256 == sha256_of(original)


def test_restore_keeps_other_strategies_changed_meanwhile(tmp_path: Path) -> None:
    """If another strategy changed since, only this alpha's entry is restored."""
    config = StrategyConfigFile(tmp_path / "s.json")
    first = config.set_weight("mm", "p:MM", 500)
    config.set_weight("other", "p:O", 300)
    config.restore_entry("mm", first.before_sha256)
    assert config.entry("mm") is None
    assert config.entry("other") == {"strategy": "p:O", "weight_bps": 300}


def test_bad_config_and_unknown_snapshot_are_named_errors(tmp_path: Path) -> None:
    """A non-JSON config or a snapshot hash never saved raises ConfigFileError."""
    config = StrategyConfigFile(tmp_path / "s.json")
    with pytest.raises(ConfigFileError, match="no saved config"):
        config.restore_entry("mm", "f" * 64)
    config.path.write_text("not json")
    with pytest.raises(ConfigFileError, match="not JSON"):
        config.set_weight("mm", "p:MM", 1)
    assert config.path.read_text() == "not json"
