"""The WAL behind eventsourcing's recorder interfaces (aggregate, application, tracking,
process), for the low-rate aggregates run through the library's Application machinery.

Each `insert_events` call (its stored events and its tracking record, if any) is ONE record
in ONE WAL frame: it is durable entirely or not at all. The `WalEventStore` (es_store) checks
conflicts against its index before anything is written, so a version conflict raises the
library's `IntegrityError` and stores nothing. Notification ids are the ordinal of each
event in the log (1, 2, 3, ... in commit order, contiguous). Reads show durable data only;
`insert_events` returns after the sync that covers its record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    ListenNotifySubscription,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
)

from hft.adapters.wal.es_store import WalEventStore

__all__ = [
    "WalAggregateRecorder",
    "WalApplicationRecorder",
    "WalEventStore",
    "WalProcessRecorder",
    "WalSubscription",
    "WalTrackingRecorder",
]


class _Recorder:
    def __init__(self, store: WalEventStore) -> None:
        self.store = store
        store.acquire()
        self._closed = False

    def close(self) -> None:
        """Lets go of the store; the last recorder to close it closes the WAL. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.store.release()


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
        # An insert between the first pull (already started) and `listen` must not be missed.
        self._has_been_notified.set()

    def stop(self) -> None:
        self._recorder.store.unlisten(self._has_been_notified)
        super().stop()
