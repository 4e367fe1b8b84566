"""Where the loader writes (DSN rules) and how two loaders share one WAL (claims)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.run import EXAMPLE_QUERY, build_loader, load_run, query_run, run_paths
from tests.integration.clickhouse.walfixtures import sample_run


def test_dsn_rules_explicit_then_environment_then_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--dsn wins; else CLICKHOUSE_URL; else chdb in RUN_DIR/clickhouse (absolute path)."""
    monkeypatch.delenv("CLICKHOUSE_URL", raising=False)
    assert ch.resolve_dsn(None, tmp_path) == f"chdb://{tmp_path.resolve()}/clickhouse"
    monkeypatch.setenv("CLICKHOUSE_URL", "http://ch:8123/prod")
    assert ch.resolve_dsn(None, tmp_path) == "http://ch:8123/prod"
    assert ch.resolve_dsn("http://other:8123/x", tmp_path) == "http://other:8123/x"


def test_run_paths_accept_a_run_or_its_wal(tmp_path: Path) -> None:
    """A run directory and its wal/ directory name the same run, state and database."""
    sample_run(tmp_path, 10)
    assert run_paths(tmp_path) == run_paths(tmp_path / "wal")
    assert run_paths(tmp_path).state_dir == tmp_path.resolve() / "loader"


def test_a_segment_claimed_by_another_loader_is_left_to_it(tmp_path: Path) -> None:
    """While another loader holds the claim on the first sealed segment, this loader ships
    every other segment and leaves that one unshipped; once released, it is shipped."""
    sample_run(tmp_path, 2_000)
    paths = run_paths(tmp_path)
    loader, store = build_loader(paths, ch.embedded_dsn(tmp_path))
    other = ch.open_claims(paths.state_dir / "claims")
    try:
        sealed = ch.open_segment_source(paths.wal_dir).sealed_segments()
        held = other.try_claim(sealed[0].segment_id)
        assert held is not None
        first = loader.load_sealed()
        assert first.segments == len(sealed) - 1
        shipped = set((paths.state_dir / "shipped").glob("*.json"))
        assert {p.stem for p in shipped} == {s.segment_id for s in sealed[1:]}
        other.release(held)
        assert loader.load_sealed().segments == 1
    finally:
        store.close()


def test_example_query_reads_back_what_was_loaded(tmp_path: Path) -> None:
    """The summary's example query returns the event mix, most frequent type first."""
    sample_run(tmp_path, 500)
    load_run(tmp_path)
    rows = query_run(tmp_path, EXAMPLE_QUERY)
    assert rows[0][0] == "QuoteReceived"
    assert sum(int(r[1]) for r in rows) <= 500
    assert len(rows) == 5
