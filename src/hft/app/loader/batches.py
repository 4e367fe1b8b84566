"""Reading frames into column batches: the work a loader worker does (CPU only, no store)."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.context import BaseContext
from pathlib import Path

from hft.app.loader.frame_projector import Decode, FrameProjector
from hft.app.loader.handoff import SpilledBatch, spill
from hft.app.loader.rows import ColumnBatch
from hft.ports.segments import RawFrame, SegmentSource


def build_batch(
    log_id: str,
    frames: Iterable[RawFrame],
    decode: Decode,
    projector: FrameProjector,
    *,
    skip_through: int = 0,
    only: frozenset[int] | None = None,
) -> ColumnBatch:
    """Rows (Arrow columns) for every event after `skip_through` (and in `only`, when given).

    A frame that cannot be decoded becomes one dead letter (all its events); an event whose
    values do not fit their columns becomes a dead letter of its own. The batch goes on.
    """
    return projector.build(log_id, frames, decode, skip_through=skip_through, only=only)


def pool_context(source_factory: Callable[[], SegmentSource]) -> BaseContext:
    """The start method of loader workers: forked from a fork server that has imported their
    modules once (what a spawned worker imported each time: ~0.5-0.85 s of CPU, the program's
    main module included). The server is a fresh interpreter, never a fork of the loader
    (which holds chdb's threads), and exits when the loader does."""
    context = multiprocessing.get_context("forkserver")
    factory_module = getattr(source_factory, "func", source_factory).__module__
    context.set_forkserver_preload(["__main__", __name__, factory_module])
    return context


def start_pool_server(source_factory: Callable[[], SegmentSource]) -> None:
    """Start the fork server now (it imports in its own process), so that it is ready by the
    time a load needs workers; returns at once."""
    pool_context(source_factory)
    multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def pool_server(source_factory: Callable[[], SegmentSource]) -> Iterator[None]:
    """The fork server running for the block (started at once, stopped and waited for)."""
    start_pool_server(source_factory)
    try:
        yield
    finally:
        stop_pool_server()


def stop_pool_server() -> None:
    """Stop the fork server, if one runs, and wait for it (its CPU time, and its workers',
    then count in this process's children usage). The next pool starts a new one."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)  # no public way to stop it in Python 3.11
    if stop is not None:
        stop()


_worker_source: SegmentSource | None = None
_worker_projector: FrameProjector | None = None
_worker_spill_dir: Path | None = None


def init_worker(source_factory: Callable[[], SegmentSource], spill_dir: Path) -> None:
    """Process-pool initializer: each worker opens the WAL read-only once, hands its batches
    over through files in `spill_dir` (see `hft.app.loader.handoff`), and exits by itself if
    the loader that started it dies (a SIGKILLed parent leaves no orphan workers and no spill
    files)."""
    global _worker_source, _worker_projector, _worker_spill_dir  # noqa: PLW0603 (one per worker)
    _worker_source = source_factory()
    _worker_projector = FrameProjector()
    _worker_spill_dir = spill_dir
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent, spill_dir), daemon=True).start()


def _exit_with_parent(parent: int, spill_dir: Path, poll_s: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(poll_s)
    shutil.rmtree(spill_dir, ignore_errors=True)
    os._exit(0)


def read_tail(source: SegmentSource, from_seq: int, max_records: int) -> list[RawFrame]:
    """The frames holding seqs >= `from_seq` written so far, until about `max_records` events."""
    frames: list[RawFrame] = []
    events = 0
    for frame in source.tail_frames(from_seq):
        frames.append(frame)
        events += frame.count
        if events >= max_records:
            break
    return frames


def tail_batch_in_worker(from_seq: int, max_records: int) -> SpilledBatch:
    """Runs in a worker process: the rows of the tail from `from_seq` (as `Loader.load_tail`
    builds them), spilled for the loader."""
    source, projector, spill_dir = _worker_parts()
    frames = read_tail(source, from_seq, max_records)
    batch = build_batch(source.log_id, frames, source.decode, projector, skip_through=from_seq - 1)
    return spill(batch, spill_dir / f"tail-{from_seq}.arrow")


def segment_batch_in_worker(segment_id: str, skip_through: int) -> SpilledBatch:
    """Runs in a worker process: read and project one sealed segment, and spill its columns
    for the loader (`hft.app.loader.handoff.unspill` reads them back)."""
    source, projector, spill_dir = _worker_parts()
    frames = source.read_frames(segment_id)
    batch = build_batch(source.log_id, frames, source.decode, projector, skip_through=skip_through)
    return spill(batch, spill_dir / f"{segment_id}-{skip_through}.arrow")


def _worker_parts() -> tuple[SegmentSource, FrameProjector, Path]:
    if _worker_source is None or _worker_projector is None or _worker_spill_dir is None:
        raise RuntimeError("loader worker used before init_worker")
    return _worker_source, _worker_projector, _worker_spill_dir
