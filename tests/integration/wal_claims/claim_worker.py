"""A loader-like worker process for the claim tests (run as a script, never imported by tests).

Modes:
  contend LOCK_DIR MARK_DIR ROUNDS SEG...  claim free segments ROUNDS times; while holding one,
                                           create MARK_DIR/<seg>.busy exclusively (a second
                                           holder would fail to) and print "claimed <seg>" or
                                           "VIOLATION <seg>".
  hold LOCK_DIR SEG                        claim SEG, print "held", then sleep until killed.
  fork-hold LOCK_DIR SEG                   claim SEG, fork a child that sleeps, print
                                           "held <child pid>", then sleep until killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

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


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "contend":
        contend(argv[1], argv[2], int(argv[3]), argv[4:])
    elif mode == "hold":
        hold(argv[1], argv[2], fork_child=False)
    elif mode == "fork-hold":
        hold(argv[1], argv[2], fork_child=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
