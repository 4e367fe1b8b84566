"""Reading frames into column batches: the work a loader worker does (CPU only, no store)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable

from hft.app.loader.frame_projector import Decode, FrameProjector
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


_worker_source: SegmentSource | None = None
_worker_projector: FrameProjector | None = None


def init_worker(source_factory: Callable[[], SegmentSource]) -> None:
    """Process-pool initializer: each worker opens the WAL read-only once, and exits by itself
    if the loader that started it dies (a SIGKILLed parent leaves no orphan workers)."""
    global _worker_source, _worker_projector  # noqa: PLW0603 (one source per worker process)
    _worker_source = source_factory()
    _worker_projector = FrameProjector()
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, poll_s: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(poll_s)
    os._exit(0)


def segment_batch_in_worker(segment_id: str, skip_through: int) -> ColumnBatch:
    """Runs in a worker process: read and project one sealed segment."""
    if _worker_source is None or _worker_projector is None:
        raise RuntimeError("loader worker used before init_worker")
    source = _worker_source
    frames = source.read_frames(segment_id)
    return build_batch(
        source.log_id, frames, source.decode, _worker_projector, skip_through=skip_through
    )
