"""Reading records into column batches: the work a loader worker does (CPU only, no store)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hft.app.loader.rows import ColumnBatch, DeadLetter, PoisonRecordError, Projector
from hft.domain.errors import UnknownEventType
from hft.ports.segments import RawRecord, SegmentSource

_POISON = (ValueError, UnknownEventType, PoisonRecordError)


def build_batch(
    log_id: str,
    records: Iterable[RawRecord],
    decode: Callable[[bytes], object],
    projector: Projector,
    skip_through: int = 0,
) -> ColumnBatch:
    """Rows for every record after `skip_through`; a record that cannot be decoded or does not
    fit its columns becomes a dead letter with its reason, and the batch goes on."""
    batch = ColumnBatch(log_id)
    for record in records:
        if record.seq <= skip_through:
            continue
        batch.first_seq = batch.first_seq or record.seq
        batch.last_seq = record.seq
        try:
            projector.add(batch, record.seq, decode(record.data))  # type: ignore[arg-type]
        except _POISON as exc:
            reason = f"{type(exc).__name__}: {exc}"
            batch.dead_letters.append(DeadLetter(record.seq, reason, record.data))
    return batch


_worker_source: SegmentSource | None = None
_worker_projector: Projector | None = None


def init_worker(source_factory: Callable[[], SegmentSource]) -> None:
    """Process-pool initializer: each worker opens the WAL read-only once."""
    global _worker_source, _worker_projector  # noqa: PLW0603 (one source per worker process)
    _worker_source = source_factory()
    _worker_projector = Projector()


def segment_batch_in_worker(segment_id: str, skip_through: int) -> ColumnBatch:
    """Runs in a worker process: read and project one sealed segment."""
    if _worker_source is None or _worker_projector is None:
        raise RuntimeError("loader worker used before init_worker")
    source = _worker_source
    return build_batch(
        source.log_id,
        source.read_records(segment_id),
        source.decode,
        _worker_projector,
        skip_through,
    )
