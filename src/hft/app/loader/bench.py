"""`hft bench load`: loader throughput and end-to-end lag into embedded ClickHouse."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from hft.app.bootstrap import clickhouse as ch
from hft.app.bootstrap import wal as walboot
from hft.app.loader.batches import stop_pool_server
from hft.app.loader.run import build_loader, load_run, run_paths
from hft.app.loader.sample import sample_events, write_sample_wal
from hft.app.loader.service import LoaderConfig, LoadResult


def run_load_bench(events: int, lag_seconds: float, rate: int) -> dict[str, Any]:
    """One JSON-able object: rows/s with 1 and 2 workers (and rows per CPU second, the figure
    that survives a shared machine), and lag p50/p99 at `rate`."""
    with tempfile.TemporaryDirectory(prefix="hft-bench-load-") as tmp:
        root = Path(tmp)
        run_dir = root / "run"
        write_sample_wal(run_dir / "wal", events)
        out: dict[str, Any] = {"events": events}
        for workers in (1, 2):
            cpu_before = _cpu_s()
            result = load_run(
                run_dir,
                ch.embedded_dsn(root / f"db{workers}"),
                workers=workers,
                state_dir=root / f"state{workers}",
            )
            cpu = _cpu_s() - cpu_before
            out[f"rows_per_s_{workers}w"] = round(result.rows_per_s)
            out[f"events_per_s_{workers}w"] = round(result.events_per_s)
            out[f"rows_{workers}w"] = result.rows
            out[f"cpu_s_{workers}w"] = round(cpu, 2)
            out[f"rows_per_cpu_s_{workers}w"] = round(result.rows / cpu) if cpu > 0 else None
        out["rows_per_s"] = max(out["rows_per_s_1w"], out["rows_per_s_2w"])
        out.update(_lag_run(root / "lag", lag_seconds, rate))
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    out["cpus"] = os.cpu_count()
    return out


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (schema bootstrap included)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _lag_run(run_dir: Path, seconds: float, rate: int) -> dict[str, Any]:
    """A writer appends `rate` events/s (policy fsync) while `hft load --follow`'s loop runs in
    its own process, as in production; lag of a batch = the first moment the follower had
    inserted its last event - when it was appended (CLOCK_MONOTONIC is shared by processes)."""
    log = walboot.open_event_log(str(run_dir / "wal"), walboot.wal_config("fsync"))
    progress = run_dir / "follower.progress"
    follower = subprocess.Popen(  # noqa: S603 (our own module, by absolute interpreter path)
        [sys.executable, "-m", "hft.app.loader.bench", str(run_dir), str(progress)],
        stdin=subprocess.DEVNULL,
    )
    try:
        _wait_ready(progress, follower)
        appended = _append_steadily(log, seconds, rate)
        log.close()
        deadline = time.monotonic() + 60
        loaded = _progress(progress)
        while time.monotonic() < deadline and (not loaded or loaded[-1][1] < appended[-1][1]):
            time.sleep(0.05)
            loaded = _progress(progress)
    finally:
        log.close()
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=60)
    lags = sorted(_lags(appended, loaded))
    return {
        "lag_rate_events_per_s": rate,
        "lag_events": appended[-1][1] if appended else 0,
        "end_to_end_lag_ms": {"p50": _pct(lags, 0.50), "p99": _pct(lags, 0.99)},
    }


def _wait_ready(progress: Path, follower: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not progress.exists() and follower.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not progress.exists():
        raise RuntimeError("the follower process did not start")


def _progress(path: Path) -> list[tuple[float, int]]:
    """(monotonic time, highest seq stored) lines the follower wrote after each insert."""
    points = []
    for line in path.read_text().splitlines()[1:]:
        at, seq = line.split()
        points.append((float(at), int(seq)))
    return points


def _append_steadily(log: Any, seconds: float, rate: int) -> list[tuple[float, int]]:
    tick_s = 0.01
    per_tick = max(1, int(rate * tick_s))
    source = sample_events(int(seconds * rate) + per_tick)
    appended: list[tuple[float, int]] = []
    start = time.monotonic()
    for tick in range(int(seconds / tick_s)):
        batch = [next(source) for _ in range(per_tick)]
        receipt = log.append(batch)
        appended.append((time.monotonic(), receipt.last_seq))
        pause = start + (tick + 1) * tick_s - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return appended


def follow_and_report(run_dir: Path, progress: Path) -> None:
    """The follower process of the lag run: load as the log grows, and after each insert
    append `<monotonic s> <seq stored through>` to `progress`, until SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    paths = run_paths(run_dir)
    dsn = ch.embedded_dsn(run_dir)
    loader, store = build_loader(paths, dsn, LoaderConfig(retry_budget_s=None))
    result = LoadResult(dsn, "")
    with progress.open("a", buffering=1) as out:
        out.write("ready\n")
        try:
            while not stop.is_set():
                moved = loader.load_sealed().events + loader.load_tail(result)
                if moved:
                    out.write(f"{time.monotonic()} {loader.loaded_through()}\n")
                else:
                    stop.wait(0.02)
        finally:
            store.close()
            stop_pool_server()


def _lags(appended: list[tuple[float, int]], loaded: list[tuple[float, int]]) -> list[float]:
    lags, cursor = [], 0
    for at, seq in appended:
        while cursor < len(loaded) and loaded[cursor][1] < seq:
            cursor += 1
        if cursor < len(loaded):
            lags.append((loaded[cursor][0] - at) * 1000)
    return lags


def _pct(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return round(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))], 1)


if __name__ == "__main__":
    follow_and_report(Path(sys.argv[1]), Path(sys.argv[2]))
