"""A writer process for crash tests: appends forever, reporting acknowledged seqs.

Usage: python -m tests.integration.wal.crash_writer DIR ACK_FILE BATCH

The main thread appends batches of `crash_record(seq)`; an acker thread waits for
durability and appends `<seq>\\n` to ACK_FILE once `wait_durable(seq)` returned True. The
parent SIGKILLs this process at a moment of its choosing.
"""

from __future__ import annotations

import os
import sys
import threading

from hft.adapters.wal import LogOverloadedError, WalConfig, WalLog

SEGMENT_BYTES = 1024 * 1024
MAX_UNACKED = 5_000  # keep the queue short so acks flow while the test waits


def crash_record(seq: int) -> bytes:
    """Deterministic content of varying size (20..219 bytes), so frames differ in length."""
    return (b"%d:" % seq).ljust(20 + seq % 200, bytes([65 + seq % 26]))


def _acker(log: WalLog, ack_fd: int) -> None:
    acked = 0
    while True:
        target = log.last_seq()
        if target > acked and log.wait_durable(target, 10):
            os.write(ack_fd, b"%d\n" % target)
            acked = target


def main(directory: str, ack_path: str, batch: int) -> None:
    log = WalLog.open(directory, WalConfig(segment_bytes=SEGMENT_BYTES))
    ack_fd = os.open(ack_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.write(ack_fd, b"open %d\n" % log.last_seq())
    threading.Thread(target=_acker, args=(log, ack_fd), daemon=True).start()
    seq = log.last_seq() + 1
    while True:
        if seq - log.durable_seq() > MAX_UNACKED:
            log.wait_durable(seq - MAX_UNACKED, 1)
            continue
        records = [crash_record(s) for s in range(seq, seq + batch)]
        try:
            first, last = log.append_records(records)
        except LogOverloadedError:
            log.wait_durable(log.durable_seq() + 1, 1)
            continue
        assert first == seq
        seq = last + 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
