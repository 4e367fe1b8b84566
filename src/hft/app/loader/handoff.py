"""Worker -> loader hand-off of built batches through Arrow IPC files in shared memory.

Returning a batch through the process pool pickled it: every Arrow buffer was copied by
pickle, by the pipe (write and read) and by the unpickler, ~23 MB per segment of 46,000 sample
events, about a sixth of a worker's time and as much again in the loading process. A worker
instead writes the batch's columns once into an Arrow IPC file in a spill directory (tmpfs
`/dev/shm` when there is one) and returns only its name, offsets and small fields; the loading
process maps the file and reads the arrays in place, then unlinks it (the pages live until
the arrays are dropped after the insert).

The spill directory belongs to one pool: the loader removes it when the pool ends, and a
worker whose loader died removes it before exiting (see `hft.app.loader.batches`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import attrs
import pyarrow as pa

from hft.app.loader.rows import ColumnBatch, DeadLetter

_ALIGN = 64
"""Each table's stream starts on a 64-byte boundary, so mapped buffers stay aligned."""


@attrs.frozen
class SpilledBatch:
    """A `ColumnBatch` whose columns wait in `path`: table -> (offset, size) of its stream."""

    path: str
    streams: dict[str, tuple[int, int]]
    log_id: str
    events: int
    first_seq: int
    last_seq: int
    dead_letters: list[DeadLetter]


SPILL_ROOT_ENV = "HFT_LOADER_SPILL_ROOT"
"""Environment variable naming the directory spill directories go under (else tmpfs)."""


def spill_root() -> Path:
    """Where spill directories go: `$HFT_LOADER_SPILL_ROOT` when set, else tmpfs `/dev/shm`
    when writable, else the temp directory."""
    configured = os.environ.get(SPILL_ROOT_ENV)
    if configured:
        return Path(configured)
    shm = Path("/dev/shm")  # noqa: S108 (a private mkdtemp directory is made under it)
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


def make_spill_dir() -> Path:
    """A fresh private directory for one pool's hand-off files."""
    return Path(tempfile.mkdtemp(prefix="hft-loader-", dir=spill_root()))


def spill(batch: ColumnBatch, path: Path) -> SpilledBatch:
    """Write the batch's columns to `path` (one IPC stream per table) and describe it."""
    streams: dict[str, tuple[int, int]] = {}
    with pa.OSFile(str(path), "wb") as sink:
        for table, columns in batch.columns.items():
            start = sink.tell()
            if start % _ALIGN:
                sink.write(b"\0" * (_ALIGN - start % _ALIGN))
                start = sink.tell()
            record = pa.record_batch({name: _array(values) for name, values in columns.items()})
            with pa.ipc.new_stream(sink, record.schema) as writer:
                writer.write_batch(record)
            streams[table] = (start, sink.tell() - start)
    return SpilledBatch(
        str(path),
        streams,
        batch.log_id,
        batch.events,
        batch.first_seq,
        batch.last_seq,
        batch.dead_letters,
    )


def unspill(spilled: SpilledBatch) -> ColumnBatch:
    """The batch back, its arrays reading the mapped file in place; the file is unlinked."""
    batch = ColumnBatch(spilled.log_id)
    batch.events = spilled.events
    batch.first_seq = spilled.first_seq
    batch.last_seq = spilled.last_seq
    batch.dead_letters = spilled.dead_letters
    if spilled.streams:
        with pa.memory_map(spilled.path) as mapped:
            data = mapped.read_buffer()
        for table, (offset, size) in spilled.streams.items():
            record = pa.ipc.open_stream(data.slice(offset, size)).read_next_batch()
            batch.columns[table] = dict(zip(record.schema.names, record.columns, strict=True))
    Path(spilled.path).unlink(missing_ok=True)
    return batch


def _array(values: Any) -> Any:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    raise TypeError(f"only Arrow arrays are spilled, not {type(values).__name__}")
