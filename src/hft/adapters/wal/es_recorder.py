"""The WAL behind eventsourcing's recorder interfaces (aggregate, application, tracking,
process), for the low-rate aggregates run through the library's Application machinery.

Each `insert_events` call (its stored events and its tracking record, if any) is ONE record
in ONE WAL frame: it is durable entirely or not at all. An in-memory index, rebuilt from the
log on open, answers selects and checks conflicts before anything is written, so a version
conflict raises the library's `IntegrityError` and stores nothing. Notification ids are the
ordinal of each event in the log (1, 2, 3, ... in commit order, contiguous). Reads show
durable data only; `insert_events` returns after the sync that covers its record.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    DataError,
    IntegrityError,
    InterfaceError,
    ListenNotifySubscription,
    Notification,
    OperationalError,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
)

from hft.adapters.wal.errors import WalError
from hft.adapters.wal.log import WalLog

_MAGIC = b"ES1"
DURABLE_TIMEOUT_S = 30.0


class _Event(msgspec.Struct, array_like=True):
    is_uuid: bool
    originator_id: str
    version: int
    topic: str
    state: bytes


class _Insert(msgspec.Struct, array_like=True):
    events: list[_Event]
    tracking_app: str | None = None
    tracking_id: int | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(_Insert)


def _encode(events: Sequence[StoredEvent], tracking: Tracking | None) -> bytes:
    rows = [
        _Event(
            isinstance(e.originator_id, UUID),
            str(e.originator_id),
            e.originator_version,
            e.topic,
            e.state,
        )
        for e in events
    ]
    app, tid = (tracking.application_name, tracking.notification_id) if tracking else (None, None)
    return _MAGIC + _encoder.encode(_Insert(rows, app, tid))


def _decode(seq: int, record: bytes) -> _Insert:
    if not record.startswith(_MAGIC):
        raise DataError(f"WAL record {seq} is not an eventsourcing insert")
    try:
        return _decoder.decode(memoryview(record)[len(_MAGIC) :])
    except msgspec.DecodeError as exc:
        raise DataError(f"WAL record {seq} cannot be decoded: {exc}") from exc


def _stored(row: _Event) -> StoredEvent:
    oid: UUID | str = UUID(row.originator_id) if row.is_uuid else row.originator_id
    return StoredEvent(oid, row.version, row.topic, row.state)


class _Sequence:
    """One originator's events, sorted by version, with the WAL seq of each."""

    __slots__ = ("events", "seqs", "versions")

    def __init__(self) -> None:
        self.versions: list[int] = []
        self.events: list[StoredEvent] = []
        self.seqs: list[int] = []

    def add(self, event: StoredEvent, seq: int) -> None:
        at = bisect.bisect_left(self.versions, event.originator_version)
        self.versions.insert(at, event.originator_version)
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
        self._by_originator: dict[UUID | str, _Sequence] = {}
        self._notifications: list[Notification] = []
        self._seqs: list[int] = []
        self._tracking: dict[str, list[tuple[int, int]]] = {}
        self._listeners: set[threading.Event] = set()
        self._failed: BaseException | None = None
        self._closed = False
        self.references = 0
        for seq, record in log.read_records(1):
            self._index(_decode(seq, record), seq)

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
        record = _encode(events, tracking)
        with self._lock:
            self._check_writable()
            self._check_conflicts(events, tracking)
            try:
                seq, _ = self._log.append_records([record])
            except WalError as exc:
                raise OperationalError(f"the WAL refused the insert: {exc}") from exc
            first_id = len(self._notifications) + 1
            self._index_stored(events, tracking, seq)
        self._await_durable(seq)
        for listener in list(self._listeners):
            listener.set()
        return list(range(first_id, first_id + len(events)))

    def _check_writable(self) -> None:
        if self._closed:
            raise InterfaceError("the event store is closed")
        if self._failed is not None:
            raise OperationalError(f"the WAL failed earlier: {self._failed}")

    def _check_conflicts(self, events: Sequence[StoredEvent], tracking: Tracking | None) -> None:
        seen: set[tuple[UUID | str, int]] = set()
        for event in events:
            key = (event.originator_id, event.originator_version)
            existing = self._by_originator.get(event.originator_id)
            if key in seen or (existing and existing.has(event.originator_version)):
                raise IntegrityError(f"version {key[1]} of {key[0]} is already recorded")
            seen.add(key)
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

    def _index(self, insert: _Insert, seq: int) -> None:
        if not insert.events and insert.tracking_app is None:
            return
        tracking = None
        if insert.tracking_app is not None and insert.tracking_id is not None:
            tracking = Tracking(insert.tracking_app, insert.tracking_id)
        self._index_stored([_stored(row) for row in insert.events], tracking, seq)

    def _index_stored(
        self, events: Sequence[StoredEvent], tracking: Tracking | None, seq: int
    ) -> None:
        for event in events:
            self._by_originator.setdefault(event.originator_id, _Sequence()).add(event, seq)
            self._notifications.append(
                Notification(
                    id=len(self._notifications) + 1,
                    originator_id=event.originator_id,
                    originator_version=event.originator_version,
                    topic=event.topic,
                    state=event.state,
                )
            )
            self._seqs.append(seq)
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
            found = self._by_originator.get(originator_id)
            if found is None:
                return []
            lo = bisect.bisect_right(found.versions, gt) if gt is not None else 0
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
        last = self._durable_count()
        if stop is not None:
            last = min(last, stop)
        picked: list[Notification] = []
        with self._lock:
            for index in range(max(first, 1) - 1, last):
                note = self._notifications[index]
                if not wanted or note.topic in wanted:
                    picked.append(note)
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


class _Recorder:
    def __init__(self, store: WalEventStore) -> None:
        self.store = store
        store.references += 1
        self._closed = False

    def close(self) -> None:
        """Lets go of the store; the last recorder to close it closes the WAL. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.store.references -= 1
        if self.store.references <= 0:
            self.store.close()


class WalAggregateRecorder(_Recorder, AggregateRecorder):
    """Aggregate sequences only (e.g. snapshots): `insert_events` returns None."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self.store.insert(stored_events, None)
        return None

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        return self.store.select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)


class WalApplicationRecorder(WalAggregateRecorder, ApplicationRecorder):
    """Aggregate sequences plus the application sequence of notifications."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self.store.insert(stored_events, None)

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        return self.store.select_notifications(
            start, limit, stop, topics, inclusive_of_start=inclusive_of_start
        )

    def max_notification_id(self) -> int | None:
        return self.store.max_notification_id()

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return WalSubscription(self, gt=gt, topics=topics)


class WalTrackingRecorder(_Recorder, TrackingRecorder):
    """Positions of upstream notifications already processed, per application name."""

    def insert_tracking(self, tracking: Tracking) -> None:
        self.store.insert([], tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        return self.store.max_tracking_id(application_name)


class WalProcessRecorder(WalTrackingRecorder, WalApplicationRecorder, ProcessRecorder):
    """Events and the tracking record of the notification that caused them, atomically."""

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        tracking = kwargs.get("tracking")
        if not isinstance(tracking, Tracking):
            tracking = None
        return self.store.insert(stored_events, tracking)


class WalSubscription(ListenNotifySubscription[WalApplicationRecorder]):
    """Yields notifications after `gt`, then waits for new ones (woken by each insert)."""

    def __init__(
        self, recorder: WalApplicationRecorder, gt: int | None = None, topics: Sequence[str] = ()
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        recorder.store.listen(self._has_been_notified)

    def stop(self) -> None:
        self._recorder.store.unlisten(self._has_been_notified)
        super().stop()
