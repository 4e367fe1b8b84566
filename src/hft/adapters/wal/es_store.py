"""The store behind the eventsourcing recorders: one WAL record per insert, and an index.

Record: `ES1` + msgpack of (originators, events, tracking app, tracking id), where
originators is a table of (is_uuid, text) and each event is (originator index, version,
topic, state). One record is one WAL frame: durable entirely or not at all.

The index (rebuilt from the log on open) holds every event in memory: per originator sorted
by version, and the application sequence in commit order. Notification ids are ordinals in
that sequence (1, 2, 3, ... contiguous). Reads show only what is durable.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from uuid import UUID

import msgspec
from eventsourcing.persistence import (
    DataError,
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
    Tracking,
)

from hft.adapters.wal.errors import WalError
from hft.adapters.wal.log import WalLog

_MAGIC = b"ES1"
DURABLE_TIMEOUT_S = 30.0
Key = int | str  # a UUID's int, or the str id: cheap to hash (UUID.__hash__ is Python code)


class _Insert(msgspec.Struct, array_like=True):
    originators: list[tuple[bool, str]]
    events: list[tuple[int, int, str, bytes]]
    tracking_app: str | None = None
    tracking_id: int | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(_Insert)


def key_of(originator_id: UUID | str) -> Key:
    return originator_id.int if isinstance(originator_id, UUID) else originator_id


def _encode(events: Sequence[StoredEvent], keys: list[Key], tracking: Tracking | None) -> bytes:
    slots: dict[Key, int] = {}
    originators: list[tuple[bool, str]] = []
    rows = []
    for event, key in zip(events, keys, strict=True):
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = len(originators)
            oid = event.originator_id
            originators.append((isinstance(oid, UUID), str(oid)))
        rows.append((slot, event.originator_version, event.topic, event.state))
    app, tid = (tracking.application_name, tracking.notification_id) if tracking else (None, None)
    return _MAGIC + _encoder.encode(_Insert(originators, rows, app, tid))


def _decode(seq: int, record: bytes) -> tuple[list[StoredEvent], Tracking | None]:
    if not record.startswith(_MAGIC):
        raise DataError(f"WAL record {seq} is not an eventsourcing insert")
    try:
        insert = _decoder.decode(memoryview(record)[len(_MAGIC) :])
    except msgspec.DecodeError as exc:
        raise DataError(f"WAL record {seq} cannot be decoded: {exc}") from exc
    oids = [UUID(text) if is_uuid else text for is_uuid, text in insert.originators]
    events = [StoredEvent(oids[i], v, topic, state) for i, v, topic, state in insert.events]
    tracking = None
    if insert.tracking_app is not None and insert.tracking_id is not None:
        tracking = Tracking(insert.tracking_app, insert.tracking_id)
    return events, tracking


class _Sequence:
    """One originator's events, sorted by version, with the WAL seq of each."""

    __slots__ = ("events", "seqs", "versions")

    def __init__(self) -> None:
        self.versions: list[int] = []
        self.events: list[StoredEvent] = []
        self.seqs: list[int] = []

    def add(self, event: StoredEvent, seq: int) -> None:
        version = event.originator_version
        if not self.versions or version > self.versions[-1]:
            self.versions.append(version)
            self.events.append(event)
            self.seqs.append(seq)
            return
        at = bisect.bisect_left(self.versions, version)
        self.versions.insert(at, version)
        self.events.insert(at, event)
        self.seqs.insert(at, seq)

    def has(self, version: int) -> bool:
        at = bisect.bisect_left(self.versions, version)
        return at < len(self.versions) and self.versions[at] == version


class WalEventStore:
    """The index over one WAL directory, shared by every recorder opened on it.

    Thread-safe. `insert` blocks until its record is durable (or raises). Reads never block
    on the disk. Errors: `IntegrityError` (conflict, nothing stored), `OperationalError` (the
    WAL refused or failed; after a failed sync the store refuses further inserts),
    `InterfaceError` after `close`, `DataError` for a log that is not an eventsourcing log.
    """

    def __init__(self, log: WalLog) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._by_key: dict[Key, _Sequence] = {}
        self._notes: list[StoredEvent] = []
        self._seqs: list[int] = []
        self._tracking: dict[str, list[tuple[int, int]]] = {}
        self._listeners: set[threading.Event] = set()
        self._failed: BaseException | None = None
        self._closed = False
        self._references = 0
        for seq, record in log.read_records(1):
            events, tracking = _decode(seq, record)
            self._index(events, [key_of(e.originator_id) for e in events], tracking, seq)

    @property
    def log(self) -> WalLog:
        return self._log

    @property
    def closed(self) -> bool:
        return self._closed

    # -- writing

    def insert(self, events: Sequence[StoredEvent], tracking: Tracking | None) -> list[int]:
        """Records `events` (and `tracking`) atomically; returns their notification ids."""
        if not events and tracking is None:
            return []
        keys = [key_of(e.originator_id) for e in events]
        record = _encode(events, keys, tracking)
        with self._lock:
            self._check_writable()
            self._check_conflicts(events, keys, tracking)
            try:
                seq, _ = self._log.append_records([record])
            except WalError as exc:
                raise OperationalError(f"the WAL refused the insert: {exc}") from exc
            first_id = len(self._notes) + 1
            self._index(events, keys, tracking, seq)
        self._await_durable(seq)
        for listener in list(self._listeners):
            listener.set()
        return list(range(first_id, first_id + len(events)))

    def _check_writable(self) -> None:
        if self._closed:
            raise InterfaceError("the event store is closed")
        if self._failed is not None:
            raise OperationalError(f"the WAL failed earlier: {self._failed}")

    def _check_conflicts(
        self, events: Sequence[StoredEvent], keys: list[Key], tracking: Tracking | None
    ) -> None:
        batch: dict[Key, set[int]] = {}
        for event, key in zip(events, keys, strict=True):
            versions = batch.setdefault(key, set())
            if event.originator_version in versions:
                raise IntegrityError(f"version {event.originator_version} twice in one insert")
            versions.add(event.originator_version)
            recorded = self._by_key.get(key)
            if recorded is not None and recorded.has(event.originator_version):
                raise IntegrityError(
                    f"version {event.originator_version} of {event.originator_id} is recorded"
                )
        if tracking is not None:
            latest = self._tracking.get(tracking.application_name)
            if latest and latest[-1][0] >= tracking.notification_id:
                raise IntegrityError(
                    f"tracking {tracking.application_name}#{tracking.notification_id} is not "
                    f"after {latest[-1][0]}"
                )

    def _await_durable(self, seq: int) -> None:
        try:
            if self._log.wait_durable(seq, DURABLE_TIMEOUT_S):
                return
            error: BaseException = TimeoutError(f"record {seq} not durable in time")
        except WalError as exc:
            error = exc
        self._failed = error
        raise OperationalError(f"insert not confirmed durable: {error}") from error

    def _index(
        self,
        events: Sequence[StoredEvent],
        keys: list[Key],
        tracking: Tracking | None,
        seq: int,
    ) -> None:
        by_key = self._by_key
        for event, key in zip(events, keys, strict=True):
            found = by_key.get(key)
            if found is None:
                found = by_key[key] = _Sequence()
            found.add(event, seq)
        self._notes.extend(events)
        self._seqs.extend([seq] * len(events))
        if tracking is not None:
            entries = self._tracking.setdefault(tracking.application_name, [])
            entries.append((tracking.notification_id, seq))

    # -- reading (durable data only)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        durable = self._log.durable_seq()
        with self._lock:
            found = self._by_key.get(key_of(originator_id))
            if found is None:
                return []
            lo = 0 if gt is None else bisect.bisect_right(found.versions, gt)
            hi = len(found.versions) if lte is None else bisect.bisect_right(found.versions, lte)
            picked = [found.events[i] for i in range(lo, hi) if found.seqs[i] <= durable]
        if desc:
            picked.reverse()
        return picked[:limit] if limit is not None else picked

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        first = 1 if start is None else (start if inclusive_of_start else start + 1)
        wanted = frozenset(topics)
        last = self._durable_count() if stop is None else min(self._durable_count(), stop)
        picked: list[Notification] = []
        with self._lock:
            for index in range(max(first, 1) - 1, last):
                event = self._notes[index]
                if wanted and event.topic not in wanted:
                    continue
                picked.append(_notification(index + 1, event))
                if len(picked) >= limit:
                    break
        return picked

    def max_notification_id(self) -> int | None:
        return self._durable_count() or None

    def max_tracking_id(self, application_name: str) -> int | None:
        durable = self._log.durable_seq()
        with self._lock:
            for tracking_id, seq in reversed(self._tracking.get(application_name, [])):
                if seq <= durable:
                    return tracking_id
        return None

    def _durable_count(self) -> int:
        durable = self._log.durable_seq()
        with self._lock:
            return bisect.bisect_right(self._seqs, durable)

    # -- listeners and lifecycle

    def acquire(self) -> None:
        """One more recorder uses this store."""
        with self._lock:
            self._references += 1

    def release(self) -> None:
        """A recorder is done with the store; the last one out closes it."""
        with self._lock:
            self._references -= 1
            last = self._references <= 0
        if last:
            self.close()

    def listen(self, event: threading.Event) -> None:
        self._listeners.add(event)

    def unlisten(self, event: threading.Event) -> None:
        self._listeners.discard(event)

    def close(self) -> None:
        """Closes the WAL (drains and syncs what is queued). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._log.close()
        for listener in list(self._listeners):
            listener.set()


def _notification(notification_id: int, event: StoredEvent) -> Notification:
    return Notification(
        id=notification_id,
        originator_id=event.originator_id,
        originator_version=event.originator_version,
        topic=event.topic,
        state=event.state,
    )
