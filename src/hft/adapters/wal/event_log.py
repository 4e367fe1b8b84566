"""`WalEventLog`: the `EventLog` port over a `WalLog`, with an injected codec."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from hft.adapters.wal.config import WalConfig
from hft.adapters.wal.errors import CorruptLogError
from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.log import WalLog
from hft.adapters.wal.recovery import RecoveryReport
from hft.domain.events import DomainEvent
from hft.ports.codec import EventCodec
from hft.ports.event_log import AppendReceipt, LoggedEvent


class WalEventLog:
    """`EventLog` over a `WalLog`: one `codec.encode` per frame of <= `max_frame_records`
    events. Reads decode durable frames only; see `WalLog` for blocking and errors."""

    def __init__(self, log: WalLog, codec: EventCodec) -> None:
        self.log = log
        self._codec = codec

    @classmethod
    def open(
        cls,
        directory: str,
        codec: EventCodec,
        config: WalConfig | None = None,
        *,
        fileops: FileOps | None = None,
    ) -> WalEventLog:
        return cls(WalLog.open(directory, config, fileops=fileops), codec)

    @property
    def recovery(self) -> RecoveryReport:
        return self.log.recovery

    def append(self, events: Sequence[DomainEvent]) -> AppendReceipt:
        """Encode and queue `events`; seqs are assigned now, durability comes later.
        Encoding errors raise before anything is queued."""
        if not events:
            nxt = self.log.last_seq() + 1
            return AppendReceipt(nxt, nxt - 1)
        step = self.log.config.max_frame_records
        frames: list[tuple[bytes, int]] = []
        for start in range(0, len(events), step):
            frames.extend(self._encode(events[start : start + step]))
        first = self.log.append_frames(frames)
        return AppendReceipt(first, first + len(events) - 1)

    def _encode(self, chunk: Sequence[DomainEvent]) -> list[tuple[bytes, int]]:
        payload = self._codec.encode(chunk)
        if len(payload) <= self.log.config.max_payload_bytes or len(chunk) == 1:
            return [(payload, len(chunk))]
        half = len(chunk) // 2
        return self._encode(chunk[:half]) + self._encode(chunk[half:])

    def durable_seq(self) -> int:
        return self.log.durable_seq()

    def wait_durable(self, seq: int, timeout_s: float | None = None) -> bool:
        return self.log.wait_durable(seq, timeout_s)

    def on_durable(self, listener: Callable[[int], None]) -> None:
        """`WalLog.on_durable`: the flusher calls `listener(durable_seq)` after each advance."""
        self.log.on_durable(listener)

    def read(self, from_seq: int = 1) -> Iterator[LoggedEvent]:
        """Durable events with seq >= `from_seq`, in order (a snapshot of `durable_seq`)."""
        for frame in self.log.read_frames(from_seq):
            events = self._codec.decode(frame.payload)
            if len(events) != frame.count:
                raise CorruptLogError(
                    frame.segment,
                    frame.offset,
                    frame.first_seq,
                    f"frame holds {len(events)} events, header says {frame.count}",
                )
            for i in range(max(0, from_seq - frame.first_seq), frame.count):
                yield LoggedEvent(frame.first_seq + i, events[i])

    def close(self) -> None:
        self.log.close()
