"""Reading frames into column batches: the work a loader worker does (CPU only, no store)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from hft.app.loader.arrow_columns import to_arrow
from hft.app.loader.rows import ColumnBatch, DeadLetter, PoisonRecordError, Projector
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent
from hft.ports.segments import RawFrame, SegmentSource

_POISON = (ValueError, UnknownEventType, PoisonRecordError)
Decode = Callable[[bytes], Sequence[DomainEvent]]


def build_batch(
    log_id: str,
    frames: Iterable[RawFrame],
    decode: Decode,
    projector: Projector,
    *,
    skip_through: int = 0,
    only: frozenset[int] | None = None,
) -> ColumnBatch:
    """Rows for every event after `skip_through` (and in `only`, when given).

    A frame that cannot be decoded becomes one dead letter (all its events); an event whose
    values do not fit their columns becomes a dead letter of its own. The batch goes on.
    """
    batch = ColumnBatch(log_id)
    seqs: list[int] = []
    events: list[DomainEvent] = []
    origin: list[RawFrame] = []
    for frame in frames:
        if frame.last_seq <= skip_through:
            continue
        decoded = _decode(batch, frame, decode)
        for offset, event in enumerate(decoded):
            seq = frame.first_seq + offset
            if seq > skip_through and (only is None or seq in only):
                seqs.append(seq)
                events.append(event)
                origin.append(frame)
    for index, exc in projector.add_many(batch, seqs, events):
        _dead(batch, origin[index], exc, seqs[index])
    if seqs:
        batch.first_seq = min(batch.first_seq or seqs[0], seqs[0])
        batch.last_seq = max(batch.last_seq, seqs[-1])
    return batch


def _decode(batch: ColumnBatch, frame: RawFrame, decode: Decode) -> Sequence[DomainEvent]:
    try:
        events = decode(frame.data)
        if len(events) != frame.count:
            raise PoisonRecordError(f"payload holds {len(events)} events, not {frame.count}")
    except _POISON as exc:
        _dead(batch, frame, exc, None)
        return ()
    return events


def _dead(batch: ColumnBatch, frame: RawFrame, exc: Exception, seq: int | None) -> None:
    reason = f"{type(exc).__name__}: {exc}"
    batch.dead_letters.append(DeadLetter(frame.first_seq, frame.count, reason, frame.data, seq))
    if seq is None:
        batch.first_seq = min(batch.first_seq or frame.first_seq, frame.first_seq)
        batch.last_seq = max(batch.last_seq, frame.last_seq)


_worker_source: SegmentSource | None = None
_worker_projector: Projector | None = None


def init_worker(source_factory: Callable[[], SegmentSource]) -> None:
    """Process-pool initializer: each worker opens the WAL read-only once, and exits by itself
    if the loader that started it dies (a SIGKILLed parent leaves no orphan workers)."""
    global _worker_source, _worker_projector  # noqa: PLW0603 (one source per worker process)
    _worker_source = source_factory()
    _worker_projector = Projector()
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
    batch = build_batch(
        source.log_id, frames, source.decode, _worker_projector, skip_through=skip_through
    )
    to_arrow(batch)
    return batch
