"""Helpers for WAL tests: small segments so a few hundred records span several of them."""

from __future__ import annotations

import os
from pathlib import Path

from hft.adapters.wal import Durability, FrameData, WalConfig, WalLog, read_frames

SMALL_SEGMENT_BYTES = 4096


def small_config(policy: Durability = Durability.FSYNC, **kwargs: object) -> WalConfig:
    return WalConfig(policy=policy, segment_bytes=SMALL_SEGMENT_BYTES, **kwargs)  # type: ignore[arg-type]


def record(seq: int, size: int = 40) -> bytes:
    """A record whose content says which sequence number it should have."""
    return f"rec-{seq:08d}-".encode().ljust(size, b".")


def write_log(directory: Path, records: int, per_append: int = 5) -> WalLog:
    """A closed log of `records` records appended `per_append` at a time; returns it closed."""
    log = WalLog.open(str(directory), small_config())
    for start in range(1, records + 1, per_append):
        stop = min(records, start + per_append - 1)
        log.append_records([record(s) for s in range(start, stop + 1)])
    log.wait_durable(records, 10)
    log.close()
    return log


def all_records(directory: Path) -> list[tuple[int, bytes]]:
    with WalLog.open(str(directory), small_config()) as log:
        return list(log.read_records())


def frames_of(directory: Path) -> list[FrameData]:
    return list(read_frames(str(directory)))


def segment_paths(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == ".seg")


def flip_bit(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x10]))
        f.flush()
        os.fsync(f.fileno())
