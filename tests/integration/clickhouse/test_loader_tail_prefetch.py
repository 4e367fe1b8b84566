"""The unsealed tail built by a worker while the sealed segments load (Loader.load_tail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hft.app.loader.run import load_run, run_paths
from hft.app.loader.service import Loader
from hft.app.loader.state import LoaderState
from tests.integration.clickhouse.walfixtures import (
    append_poison_frame,
    sample_run,
    stored_digests,
    wal_digests,
)


def test_a_prefetched_tail_loads_the_same_rows_and_dead_letters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two workers the tail (a poison frame among good events, after sealed segments)
    comes from a worker, not from this process, and loads exactly what the WAL implies:
    every row once, the poison frame as one dead letter."""
    sample_run(tmp_path, 2_500)
    bad_seq = append_poison_frame(tmp_path / "wal")
    sample_run(tmp_path, 40)
    built_here: list[int] = []
    read_tail_here = Loader._tail_batch

    def counting(self: Loader, start: int) -> object:
        batch = read_tail_here(self, start)
        if batch is not None:
            built_here.append(start)
        return batch

    monkeypatch.setattr(Loader, "_tail_batch", counting)
    result = load_run(tmp_path, workers=2)
    assert built_here == []
    assert result.dead_letters == 1
    assert result.events == 2_540
    letters = LoaderState(run_paths(tmp_path).state_dir).dead_letters()
    assert [(d.first_seq, d.count) for found in letters.values() for d in found] == [(bad_seq, 1)]
    expected = wal_digests(tmp_path / "wal", skip=frozenset({bad_seq}))
    assert stored_digests(tmp_path) == expected


def test_a_tail_that_grew_after_the_prefetch_is_read_again(tmp_path: Path) -> None:
    """Events appended after the sealed load (and its prefetch) still load: the loop reads
    the rest of the tail in this process, and a second run adds nothing."""
    sample_run(tmp_path, 2_000)
    first = load_run(tmp_path, workers=2)
    sample_run(tmp_path, 300)
    second = load_run(tmp_path, workers=2)
    assert first.events + second.events == 2_300
    assert load_run(tmp_path, workers=2).events == 0
    assert stored_digests(tmp_path) == wal_digests(tmp_path / "wal")
