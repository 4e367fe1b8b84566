"""Opening a log directory: check what must be intact, repair only what may be torn.

Sealed segments must be perfect (every CRC, a gapless chain, a seal frame): anything else is
a `CorruptLogError`. The active (last, unsealed) segment may end in a torn write: the bad
tail, and any stray non-zero bytes after the last good frame, are zeroed and reported.
Temp files left by a killed process are removed. Acknowledged frames were fully synced
before their ack, so they always precede the torn point and are never cut.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import attrs

from hft.adapters.wal.errors import CorruptLogError
from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.format import (
    HEADER_BYTES,
    SEAL_BYTES,
    HeaderError,
    SegmentHeader,
    decode_header,
    first_seq_of,
)
from hft.adapters.wal.manifest import (
    TEMP_SUFFIX,
    Manifest,
    ManifestError,
    SealedSegment,
    load_manifest,
)
from hft.adapters.wal.segment import FrameWalker, Stop, StopKind, nonzero_end


@attrs.frozen
class RecoveryReport:
    """What opening the log found and did.

    `truncated_bytes` non-zero bytes were zeroed at the end of `truncated_segment`, starting
    at the frame that would have held `truncated_from_seq` (`reason` says why). None of them
    had been acknowledged.
    """

    last_seq: int
    truncated_bytes: int = 0
    truncated_from_seq: int | None = None
    truncated_segment: str | None = None
    reason: str = ""
    temp_files_removed: tuple[str, ...] = ()
    manifest_rebuilt: bool = False
    active_header_rewritten: bool = False

    @property
    def clean(self) -> bool:
        """True when nothing was truncated, removed or rebuilt."""
        return not (
            self.truncated_bytes
            or self.temp_files_removed
            or self.manifest_rebuilt
            or self.active_header_rewritten
        )


@attrs.frozen
class ActiveSegment:
    """The segment open for appends: frames end at `end_offset`; the next seq is `next_seq`."""

    name: str
    path: str
    header: SegmentHeader
    end_offset: int
    next_seq: int


@attrs.frozen
class LogState:
    """The log as found on disk, ready for a writer (or a reader) to continue from."""

    sealed: tuple[SealedSegment, ...]
    active: ActiveSegment | None
    next_seq: int
    manifest: Manifest | None


def segment_files(directory: str) -> list[tuple[int, str]]:
    """(first_seq, name) of every segment file in `directory`, in sequence order."""
    found = []
    for name in os.listdir(directory):
        first = first_seq_of(name)
        if first is not None:
            found.append((first, name))
    return sorted(found)


def remove_temp_files(directory: str, fileops: FileOps) -> tuple[str, ...]:
    removed = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(TEMP_SUFFIX):
            fileops.unlink(os.path.join(directory, name))
            removed.append(name)
    return tuple(removed)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def check_missing(manifest: Manifest | None, names: set[str]) -> None:
    if manifest is None:
        return
    for seg in manifest.sealed:
        if seg.name not in names:
            raise CorruptLogError(seg.name, 0, seg.first_seq, "sealed segment missing")
    if manifest.active is not None and manifest.active not in names:
        first = first_seq_of(manifest.active) or 0
        raise CorruptLogError(manifest.active, 0, first, "active segment missing")


def _header_of(name: str, data: bytes, expected_seq: int) -> SegmentHeader:
    try:
        header = decode_header(data)
    except HeaderError as exc:
        raise CorruptLogError(name, 0, expected_seq, str(exc)) from None
    if header.first_seq != expected_seq or first_seq_of(name) != expected_seq:
        reason = f"sequence gap: segment starts at seq {header.first_seq}, expected {expected_seq}"
        raise CorruptLogError(name, 0, expected_seq, reason)
    return header


def check_sealed(directory: str, name: str, data: bytes, expected_seq: int) -> SealedSegment:
    """Verify a segment that must be sealed: every frame, the chain, the seal frame."""
    header = _header_of(name, data, expected_seq)
    walker = FrameWalker(data, header)
    for _frame in walker:
        pass
    stop = walker.stop
    if stop.kind is not StopKind.SEALED:
        reason = stop.reason or "segment is not sealed but a later segment exists"
        raise CorruptLogError(name, stop.offset, stop.next_seq, reason)
    path = os.path.join(directory, name)
    return SealedSegment(name, path, header.first_seq, stop.next_seq - 1, stop.offset)


def _sealed_prefix(
    directory: str, files: list[tuple[int, str]], trusted: dict[str, SealedSegment]
) -> tuple[list[SealedSegment], int]:
    sealed: list[SealedSegment] = []
    expected = 1
    for _first, name in files:
        known = trusted.get(name)
        if known is not None and known.first_seq == expected:
            seg = check_seal_only(known)
        else:
            seg = check_sealed(directory, name, _read(os.path.join(directory, name)), expected)
        sealed.append(seg)
        expected = seg.last_seq + 1
    return sealed, expected


def check_seal_only(known: SealedSegment) -> SealedSegment:
    """Check a sealed segment the manifest vouches for by its header and seal frame only
    (no CRC over its data): for opening large logs quickly."""
    with open(known.path, "rb") as f:
        head = f.read(HEADER_BYTES)
        tail = os.pread(f.fileno(), SEAL_BYTES, known.data_end - SEAL_BYTES)
    header = _header_of(known.name, head, known.first_seq)
    walker = FrameWalker(tail, header, offset=0, seq=known.last_seq + 1)
    for _frame in walker:
        break
    if walker.stop.kind is not StopKind.SEALED:
        offset = known.data_end - SEAL_BYTES
        reason = walker.stop.reason or "no seal frame where the manifest says the segment ends"
        raise CorruptLogError(known.name, offset, known.last_seq + 1, reason)
    return known


def recover(
    directory: str,
    fileops: FileOps,
    new_header: Callable[[int], SegmentHeader],
    *,
    verify_sealed: bool = True,
) -> tuple[LogState, RecoveryReport]:
    """Check and repair `directory` (which must exist) for a writer. Raises CorruptLogError.

    `new_header(first_seq)` makes the header written over a damaged, empty active segment.
    With `verify_sealed=False`, sealed segments listed in the manifest are checked by header
    and seal frame only; the others are still read in full.
    """
    removed = remove_temp_files(directory, fileops)
    try:
        manifest, rebuilt = load_manifest(directory), False
    except ManifestError:
        manifest, rebuilt = None, True
    files = segment_files(directory)
    check_missing(manifest, {name for _, name in files})
    if not files:
        state = LogState((), None, 1, manifest)
        return state, RecoveryReport(0, temp_files_removed=removed, manifest_rebuilt=rebuilt)
    trusted = {} if verify_sealed or manifest is None else {s.name: s for s in manifest.sealed}
    sealed, expected = _sealed_prefix(directory, files[:-1], trusted)
    last_name = files[-1][1]
    last_path = os.path.join(directory, last_name)
    data = _read(last_path)
    header, rewritten = _active_header(
        last_name, last_path, data, expected, fileops, new_header=new_header
    )
    walker = FrameWalker(data, header)
    for _frame in walker:
        pass
    stop = walker.stop
    report = RecoveryReport(
        stop.next_seq - 1,
        temp_files_removed=removed,
        manifest_rebuilt=rebuilt,
        active_header_rewritten=rewritten,
    )
    if stop.kind is StopKind.SEALED:
        sealed.append(SealedSegment(last_name, last_path, expected, stop.next_seq - 1, stop.offset))
        return LogState(tuple(sealed), None, stop.next_seq, manifest), report
    if stop.kind is StopKind.INCONSISTENT:
        raise CorruptLogError(last_name, stop.offset, stop.next_seq, stop.reason)
    report = _cut_tail(last_path, data, stop, fileops, report)
    active = ActiveSegment(last_name, last_path, header, stop.offset, stop.next_seq)
    return LogState(tuple(sealed), active, stop.next_seq, manifest), report


def _cut_tail(
    path: str, data: bytes, stop: Stop, fileops: FileOps, report: RecoveryReport
) -> RecoveryReport:
    """Zero a torn frame and any stray bytes after the last good frame of the active segment."""
    dirty_end = nonzero_end(data, stop.offset)
    if dirty_end <= stop.offset:
        return report
    fd = fileops.open(path)
    try:
        fileops.write_zeros(fd, stop.offset, dirty_end - stop.offset)
        fileops.fdatasync(fd)
    finally:
        fileops.close(fd)
    return attrs.evolve(
        report,
        truncated_bytes=dirty_end - stop.offset,
        truncated_from_seq=stop.next_seq,
        truncated_segment=os.path.basename(path),
        reason=stop.reason or "stray bytes after the last frame",
    )


def _active_header(
    name: str,
    path: str,
    data: bytes,
    expected: int,
    fileops: FileOps,
    *,
    new_header: Callable[[int], SegmentHeader],
) -> tuple[SegmentHeader, bool]:
    """The last segment's header; one that is damaged over an empty body is rewritten,
    since a segment with no frames holds nothing that was acknowledged."""
    try:
        return _header_of(name, data, expected), False
    except CorruptLogError:
        if first_seq_of(name) != expected or data[HEADER_BYTES:].rstrip(b"\0"):
            raise
    header = new_header(expected)
    fd = fileops.open(path)
    try:
        fileops.pwrite(fd, [header.encode()], 0)
        fileops.fdatasync(fd)
    finally:
        fileops.close(fd)
    return header, True
