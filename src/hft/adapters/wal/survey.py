"""Offline views of a log directory: what is in it (`describe_log`) and whether it is intact
(`verify_log`). Read-only: nothing is locked, repaired or removed."""

from __future__ import annotations

import os

import attrs

from hft.adapters.wal.errors import CorruptLogError
from hft.adapters.wal.format import HEADER_BYTES
from hft.adapters.wal.manifest import ManifestError, SealedSegment, load_manifest
from hft.adapters.wal.reader import read_header, walk_file
from hft.adapters.wal.recovery import check_missing, segment_files
from hft.adapters.wal.segment import Stop, StopKind


@attrs.frozen
class Problem:
    """The first thing wrong: where (segment, byte offset, seq expected there) and why.
    `recoverable` problems (a torn end of the last segment) are repaired by opening the log;
    the others make opening fail with CorruptLogError."""

    segment: str
    offset: int
    seq: int
    reason: str
    recoverable: bool


@attrs.frozen
class SegmentSummary:
    """One segment file: seqs `first_seq..last_seq` (last < first when empty)."""

    name: str
    first_seq: int
    last_seq: int
    frames: int
    data_end: int
    file_bytes: int
    sealed: bool
    policy: str


@attrs.frozen
class LogReport:
    """What a walk over every segment found; `problem` is None when all is intact."""

    directory: str
    segments: tuple[SegmentSummary, ...]
    problem: Problem | None
    manifest_generation: int | None

    @property
    def last_seq(self) -> int:
        return self.segments[-1].last_seq if self.segments else 0

    @property
    def records(self) -> int:
        return sum(s.last_seq - s.first_seq + 1 for s in self.segments)

    @property
    def data_bytes(self) -> int:
        return sum(s.file_bytes for s in self.segments)


def _walk(path: str, name: str, expected: int) -> tuple[SegmentSummary, Stop]:
    header = read_header(path, name, expected)
    walk = walk_file(path, name, header, HEADER_BYTES, header.first_seq)
    frames = 0
    while True:
        try:
            next(walk)
        except StopIteration as done:
            stop: Stop = done.value
            break
        frames += 1
    summary = SegmentSummary(
        name=name,
        first_seq=header.first_seq,
        last_seq=stop.next_seq - 1,
        frames=frames,
        data_end=stop.offset,
        file_bytes=os.path.getsize(path),
        sealed=stop.kind is StopKind.SEALED,
        policy=header.policy.name.lower(),
    )
    return summary, stop


def _problem_of(stop: Stop, name: str, *, last: bool) -> Problem | None:
    if stop.kind is StopKind.SEALED or (last and stop.kind is StopKind.END):
        return None
    recoverable = last and stop.kind is StopKind.TORN
    reason = stop.reason or "segment is not sealed but a later segment exists"
    return Problem(name, stop.offset, stop.next_seq, reason, recoverable)


def verify_log(directory: str) -> LogReport:
    """Walk every segment checking every CRC, the seq chain and the seals; stop at the
    first problem. Raises FileNotFoundError if `directory` does not exist."""
    summaries: list[SegmentSummary] = []
    generation: int | None = None
    try:
        manifest = load_manifest(directory)
        generation = manifest.generation if manifest else None
        files = segment_files(directory)
        check_missing(manifest, {name for _, name in files})
    except ManifestError as exc:
        return LogReport(directory, (), Problem("MANIFEST.json", 0, 0, str(exc), True), None)
    except CorruptLogError as exc:
        return LogReport(directory, (), _from_error(exc), generation)
    expected = 1
    for position, (_first, name) in enumerate(files):
        try:
            summary, stop = _walk(os.path.join(directory, name), name, expected)
        except CorruptLogError as exc:
            return LogReport(directory, tuple(summaries), _from_error(exc), generation)
        summaries.append(summary)
        problem = _problem_of(stop, name, last=position == len(files) - 1)
        if problem is not None:
            return LogReport(directory, tuple(summaries), problem, generation)
        expected = stop.next_seq
    return LogReport(directory, tuple(summaries), None, generation)


def _from_error(exc: CorruptLogError) -> Problem:
    return Problem(exc.segment, exc.offset, exc.seq, exc.reason, recoverable=False)


def describe_log(directory: str) -> LogReport:
    """Segments, seq ranges, sizes and policies (with the first problem, if any)."""
    return verify_log(directory)


def sealed_segments(directory: str) -> tuple[SealedSegment, ...]:
    """Sealed segments as recorded in the manifest (never one that is still being written).
    A segment sealed just before a crash appears once a writer has reopened the log."""
    try:
        manifest = load_manifest(directory)
    except ManifestError:
        return ()
    return manifest.sealed if manifest else ()
