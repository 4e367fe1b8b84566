"""A loader-like worker process for the claim tests (run as a script, never imported by tests).

Modes:
  contend LOCK_DIR MARK_DIR ROUNDS SEG...  claim free segments ROUNDS times; while holding one,
                                           create MARK_DIR/<seg>.busy exclusively (a second
                                           holder would fail to) and print "claimed <seg>" or
                                           "VIOLATION <seg>".
  hold LOCK_DIR SEG                        claim SEG, print "held", then sleep until killed.
  fork-hold LOCK_DIR SEG                   claim SEG, fork a child that sleeps, print
                                           "held <child pid>", then sleep until killed.
  ship WAL_DIR OUT_FILE [die]              a loader: claim each sealed segment in turn, skip
                                           it if marked done, else read its records, append
                                           "<segment> <records> <pid>" to OUT_FILE, mark it
                                           done and retire the claim; with `die`, SIGKILL
                                           itself right after its first claim instead.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from hft.adapters.wal import read_frames, sealed_segments
from hft.adapters.wal.claims import FileClaimRegistry


def contend(lock_dir: str, mark_dir: str, rounds: int, segments: list[str]) -> None:
    registry = FileClaimRegistry(lock_dir)
    done = 0
    while done < rounds:
        claim = registry.claim_first(segments)
        if claim is None:
            time.sleep(0.0005)
            continue
        marker = Path(mark_dir) / f"{claim.segment_id}.busy"
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            print(f"VIOLATION {claim.segment_id}", flush=True)
        else:
            os.close(fd)
            time.sleep(0.0002)  # hold it a while, as a loader shipping the segment would
            marker.unlink()
            print(f"claimed {claim.segment_id}", flush=True)
        registry.release(claim)
        done += 1
    registry.close()


def hold(lock_dir: str, segment: str, fork_child: bool) -> None:
    registry = FileClaimRegistry(lock_dir)
    claim = registry.try_claim(segment)
    if claim is None:
        print("refused", flush=True)
        return
    if fork_child:
        child = os.fork()
        if child == 0:
            time.sleep(3600)
            os._exit(0)
        print(f"held {child}", flush=True)
    else:
        print("held", flush=True)
    time.sleep(3600)


def _ship_one(wal_dir: str, out_file: str, name: str, first: int, last: int) -> None:
    records = sum(
        frame.count
        for frame in read_frames(wal_dir, first, last)
        if first <= frame.first_seq <= last
    )
    with open(out_file, "a", encoding="utf-8") as out:
        out.write(f"{name} {records} {os.getpid()}\n")
    done = Path(wal_dir) / "claims" / f"{name}.done"
    tmp = done.with_suffix(".tmp")
    tmp.write_text("done")
    os.replace(tmp, done)


def ship(wal_dir: str, out_file: str, die: bool) -> None:
    registry = FileClaimRegistry(Path(wal_dir) / "claims")
    pending = {s.name: s for s in sealed_segments(wal_dir)}
    while pending:
        claim = registry.claim_first(sorted(pending))
        if claim is None:
            time.sleep(0.001)
            continue
        if die:
            os.kill(os.getpid(), signal.SIGKILL)
        segment = pending.pop(claim.segment_id)
        if not (registry.lock_dir / f"{segment.name}.done").exists():
            _ship_one(wal_dir, out_file, segment.name, segment.first_seq, segment.last_seq)
        registry.retire(claim)
    registry.close()


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "contend":
        contend(argv[1], argv[2], int(argv[3]), argv[4:])
    elif mode == "hold":
        hold(argv[1], argv[2], fork_child=False)
    elif mode == "fork-hold":
        hold(argv[1], argv[2], fork_child=True)
    elif mode == "ship":
        ship(argv[1], argv[2], die=argv[3:] == ["die"])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
