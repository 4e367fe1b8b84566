"""Loading a run directory: the entry points the CLI and `hft sim --load` call.

A run directory holds `wal/` (the log), and gets `loader/` (the loader's state) and, with the
embedded default, `clickhouse/` (the database). `DIR` may also be the WAL directory itself.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import attrs

from hft.app.bootstrap import clickhouse as ch
from hft.app.loader.batches import pool_server
from hft.app.loader.service import Loader, LoaderConfig, LoaderGaveUpError, LoadResult
from hft.app.loader.state import LoaderState

EXAMPLE_QUERY = (
    "SELECT type, count() AS events FROM events FINAL GROUP BY type ORDER BY events DESC LIMIT 5"
)
"""A query worth showing after a load: the mix of event types in the log."""


@attrs.frozen
class RunPaths:
    """Where the log, the loader state and the embedded database of a run live."""

    run_dir: Path
    wal_dir: Path
    state_dir: Path


def run_paths(directory: Path, state_dir: Path | None = None) -> RunPaths:
    """`directory` is a run directory (with `wal/`) or a WAL directory (with segments)."""
    directory = directory.resolve()
    is_wal = any(directory.glob("*.seg")) or (directory / "MANIFEST.json").exists()
    wal_dir = directory if is_wal else directory / "wal"
    run_dir = directory.parent if is_wal else directory
    return RunPaths(run_dir, wal_dir, state_dir or run_dir / "loader")


def build_loader(
    paths: RunPaths, dsn: str, config: LoaderConfig | None = None
) -> tuple[Loader, ch.ClickHouseStore]:
    """A loader over the run's WAL into `dsn` (schema applied first, idempotently)."""
    factory = ch.segment_source_factory(paths.wal_dir)
    store = ch.open_store(dsn)
    ch.schema_migrator(store).apply()
    state = LoaderState(paths.state_dir)
    loader = Loader(
        ch.open_segment_source(paths.wal_dir),
        ch.open_claims(state.claims_dir),
        store,
        state,
        config=config,
        source_factory=factory,
        dsn=dsn,
    )
    return loader, store


def load_run(
    run_dir: Path,
    dsn: str | None = None,
    *,
    workers: int = 1,
    state_dir: Path | None = None,
    retry_budget_s: float | None = 60.0,
) -> LoadResult:
    """Load everything in the run's WAL (sealed segments, then the unsealed tail) into `dsn`
    (default: $CLICKHOUSE_URL, else the embedded database in `run_dir/clickhouse`).

    Idempotent: running it again inserts nothing twice. Blocking. Errors:
    `LoaderGaveUpError` when the store stays unreachable past the retry budget,
    `SinkRejectedError` when the schema does not accept the rows.
    """
    paths = run_paths(run_dir, state_dir)
    target = ch.resolve_dsn(dsn, paths.run_dir)
    config = LoaderConfig(workers=workers, retry_budget_s=retry_budget_s)
    # Worker processes fork from a server that imports while the schema is applied.
    with pool_server(ch.segment_source_factory(paths.wal_dir)):
        loader, store = _open_with_retry(paths, target, config, None)
        try:
            result = loader.load_sealed()
            started = time.perf_counter() - result.wall_s
            while loader.load_tail(result):
                pass
            result.wall_s = time.perf_counter() - started
            loader.save_stats(result)
            return result
        finally:
            store.close()


def query_run(run_dir: Path, sql: str, dsn: str | None = None) -> list[tuple[Any, ...]]:
    """Run a read query against the run's store (e.g. `EXAMPLE_QUERY` for a summary)."""
    store = ch.open_store(ch.resolve_dsn(dsn, run_paths(run_dir).run_dir))
    try:
        return store.query(sql)
    finally:
        store.close()


def replay_run_dead_letters(run_dir: Path, dsn: str | None = None) -> LoadResult:
    """Retry every dead letter of the run through the same dedup (see `Loader`)."""
    paths = run_paths(run_dir)
    loader, store = build_loader(paths, ch.resolve_dsn(dsn, paths.run_dir))
    try:
        return loader.replay_dead_letters()
    finally:
        store.close()


def follow_run(
    run_dir: Path,
    dsn: str | None = None,
    *,
    workers: int = 1,
    stop: threading.Event | None = None,
    poll_s: float = 0.2,
    idle_exit_s: float | None = None,
    state_dir: Path | None = None,
) -> LoadResult:
    """Keep loading as the log grows: sealed segments and the live tail, every `poll_s`, until
    `stop` is set or nothing new arrived for `idle_exit_s`. Store outages are retried forever
    with backoff (nothing is marked shipped that is not in the store)."""
    paths = run_paths(run_dir, state_dir)
    target = ch.resolve_dsn(dsn, paths.run_dir)
    config = LoaderConfig(workers=workers, retry_budget_s=None)
    with pool_server(ch.segment_source_factory(paths.wal_dir)):
        return _follow(paths, target, config, stop=stop, poll_s=poll_s, idle_exit_s=idle_exit_s)


def _follow(
    paths: RunPaths,
    target: str,
    config: LoaderConfig,
    *,
    stop: threading.Event | None,
    poll_s: float,
    idle_exit_s: float | None,
) -> LoadResult:
    loader, store = _open_with_retry(paths, target, config, stop)
    stop = stop or threading.Event()
    total = LoadResult(target, "")
    started = last_news = time.monotonic()
    try:
        while not stop.is_set():
            sealed = loader.load_sealed()
            moved = sealed.events + loader.load_tail(total)
            _merge(total, sealed)
            now = time.monotonic()
            last_news = now if moved else last_news
            if idle_exit_s is not None and now - last_news >= idle_exit_s:
                break
            stop.wait(poll_s)
    finally:
        total.wall_s = time.monotonic() - started
        store.close()
    return total


def _open_with_retry(
    paths: RunPaths, dsn: str, config: LoaderConfig, stop: threading.Event | None
) -> tuple[Loader, ch.ClickHouseStore]:
    delay, waited = config.retry_initial_s, 0.0
    while True:
        try:
            return build_loader(paths, dsn, config)
        except ch.SinkUnavailableError as exc:
            budget = config.retry_budget_s
            if (stop is not None and stop.is_set()) or (budget is not None and waited >= budget):
                raise LoaderGaveUpError(f"store unavailable for {waited:.1f} s: {exc}") from exc
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, config.retry_max_s)


def _merge(total: LoadResult, part: LoadResult) -> None:
    total.log_id = total.log_id or part.log_id
    total.segments += part.segments
    total.events += part.events
    total.rows += part.rows
    total.dead_letters += part.dead_letters
    total.retries += part.retries
    for table, count in part.rows_by_table.items():
        total.rows_by_table[table] = total.rows_by_table.get(table, 0) + count
