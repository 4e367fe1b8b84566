"""The WAL recorders pass eventsourcing's own recorder test cases, and survive a reopen."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    InterfaceError,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    TrackingRecorder,
)
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

# eventsourcing's shipped test cases import its AES cipher, which needs pycryptodome.
pytest.importorskip("Crypto", reason="install pycryptodome (dev extra) to run these cases")

from eventsourcing.popo import POPOProcessRecorder
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
    TrackingRecorderTestCase,
)
from eventsourcing.utils import Environment

from hft.adapters.wal.config import WalConfig
from hft.adapters.wal.es_factory import WalInfrastructureFactory
from hft.adapters.wal.es_recorder import (
    WalAggregateRecorder,
    WalApplicationRecorder,
    WalEventStore,
    WalProcessRecorder,
    WalTrackingRecorder,
)
from hft.adapters.wal.format import Durability
from hft.adapters.wal.log import WalLog

CONFIG = WalConfig(policy=Durability.FSYNC, segment_bytes=1 << 20)


class WalStores:
    """Opens a fresh WAL per recorder in a temp directory and closes everything afterwards."""

    _tmp: tempfile.TemporaryDirectory[str]
    _recorders: list[Any]

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="hft-es-")
        self._recorders = []
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        for recorder in self._recorders:
            recorder.close()
        self._tmp.cleanup()

    def open(self, cls: type[Any]) -> Any:
        directory = Path(self._tmp.name) / f"wal{len(self._recorders)}"
        recorder = cls(WalEventStore(WalLog.open(str(directory), CONFIG)))
        self._recorders.append(recorder)
        return recorder


class TestWalAggregateRecorder(WalStores, AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        return self.open(WalAggregateRecorder)  # type: ignore[no-any-return]


class TestWalApplicationRecorder(WalStores, ApplicationRecorderTestCase[WalApplicationRecorder]):
    def create_recorder(self) -> WalApplicationRecorder:
        return self.open(WalApplicationRecorder)  # type: ignore[no-any-return]

    def test_insert_subscribe(self) -> None:
        """The library's optional subscription test: new inserts wake a waiting subscriber."""
        self.optional_test_insert_subscribe()


class TestWalNonInterleaving(WalStores, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        return self.open(WalApplicationRecorder)  # type: ignore[no-any-return]


class TestWalTrackingRecorder(WalStores, TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return self.open(WalTrackingRecorder)  # type: ignore[no-any-return]


class TestWalProcessRecorder(WalStores, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        return self.open(WalProcessRecorder)  # type: ignore[no-any-return]


class CustomTrackingRecorder(WalTrackingRecorder):
    """A subclass the factory must build when asked by class or by topic."""


class TestWalInfrastructureFactory(InfrastructureFactoryTestCase[WalInfrastructureFactory]):
    def expected_factory_class(self) -> type[WalInfrastructureFactory]:
        return WalInfrastructureFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return WalAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return WalApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return WalTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return CustomTrackingRecorder

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return WalProcessRecorder

    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="hft-es-factory-")
        self.env = Environment(
            "TestCase",
            {"PERSISTENCE_MODULE": "hft.adapters.wal.es_factory", "WAL_DIR": self._tmp.name},
        )
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        self._tmp.cleanup()


# -- beyond the library's cases: durability across a reopen, atomicity, closing


def _event(oid: Any, version: int, state: bytes = b"{}") -> StoredEvent:
    return StoredEvent(originator_id=oid, originator_version=version, topic="t", state=state)


def test_everything_recorded_is_there_after_a_reopen(tmp_path: Path) -> None:
    """Events, notification ids and tracking positions are rebuilt from the WAL on open."""
    uid, sid = UUID(int=7), "promotion-7"
    with WalLog.open(str(tmp_path), CONFIG) as log:
        recorder = WalProcessRecorder(WalEventStore(log))
        assert recorder.insert_events([_event(uid, 1), _event(uid, 2)]) == [1, 2]
        ids = recorder.insert_events([_event(sid, 1, b"x")], tracking=Tracking("up", 5))
        assert ids == [3]
        recorder.close()
    reopened = WalProcessRecorder(WalEventStore(WalLog.open(str(tmp_path), CONFIG)))
    try:
        assert [e.originator_version for e in reopened.select_events(uid)] == [1, 2]
        assert reopened.select_events(uid)[0].originator_id == uid
        assert reopened.select_events(sid) == [_event(sid, 1, b"x")]
        assert [n.id for n in reopened.select_notifications(None, 10)] == [1, 2, 3]
        assert reopened.max_tracking_id("up") == 5
        with pytest.raises(IntegrityError):
            reopened.insert_events([_event(uid, 2)])
        assert reopened.insert_events([_event(uid, 3)]) == [4]
    finally:
        reopened.close()


def test_a_conflicting_batch_writes_nothing_to_the_log(tmp_path: Path) -> None:
    """A version conflict anywhere in a batch leaves the WAL itself untouched (atomic)."""
    with WalLog.open(str(tmp_path), CONFIG) as log:
        recorder = WalApplicationRecorder(WalEventStore(log))
        recorder.insert_events([_event("a", 1)])
        before = log.last_seq()
        with pytest.raises(IntegrityError):
            recorder.insert_events([_event("b", 1), _event("a", 1)])
        assert log.last_seq() == before
        assert recorder.select_events("b") == []
        recorder.close()


def test_close_is_idempotent_and_a_closed_store_refuses_inserts(tmp_path: Path) -> None:
    """close() twice is fine; inserting afterwards raises the library's InterfaceError."""
    recorder = WalApplicationRecorder(WalEventStore(WalLog.open(str(tmp_path), CONFIG)))
    recorder.close()
    recorder.close()
    with pytest.raises(InterfaceError):
        recorder.insert_events([_event("a", 1)])


def test_the_factory_shares_one_wal_between_recorders_of_one_purpose(tmp_path: Path) -> None:
    """Application and process recorders see each other's events (one WAL, one writer)."""
    factory = WalInfrastructureFactory({"WAL_DIR": str(tmp_path), "WAL_DURABILITY": "none"})
    app = factory.application_recorder()
    process = factory.process_recorder()
    app.insert_events([_event("x", 1)])
    process.insert_events([_event("x", 2)], tracking=Tracking("up", 1))
    assert [n.originator_version for n in app.select_notifications(None, 10)] == [1, 2]
    factory.close()
    factory.close()


# -- agreement with the library's in-memory recorder, across reopens of the WAL

ORIGINATORS = st.sampled_from(["a", "b", UUID(int=1)])
STORED = st.builds(
    lambda oid, version, state: StoredEvent(oid, version, "topic", state),
    ORIGINATORS,
    st.integers(min_value=0, max_value=4),
    st.binary(max_size=8),
)
TRACKING = st.none() | st.builds(
    Tracking, st.sampled_from(["up1", "up2"]), st.integers(min_value=1, max_value=6)
)
AGREEMENT_CONFIG = WalConfig(policy=Durability.NONE, segment_bytes=1 << 16)


def _rows(events: Sequence[StoredEvent]) -> list[tuple[Any, ...]]:
    return [(e.originator_id, e.originator_version, e.topic, e.state) for e in events]


class WalAgreesWithPopo(RuleBasedStateMachine):
    """Every insert, conflict and read of the WAL recorder matches POPOProcessRecorder."""

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory(prefix="hft-es-agree-")
        self.popo = POPOProcessRecorder()
        self.wal = self._open()

    def _open(self) -> WalProcessRecorder:
        return WalProcessRecorder(WalEventStore(WalLog.open(self._tmp.name, AGREEMENT_CONFIG)))

    @rule(events=st.lists(STORED, max_size=4), tracking=TRACKING)
    def insert(self, events: list[StoredEvent], tracking: Tracking | None) -> None:
        outcomes: list[list[int] | str] = []
        for recorder in (self.popo, self.wal):
            try:
                outcomes.append(list(recorder.insert_events(events, tracking=tracking) or []))
            except IntegrityError:
                outcomes.append("IntegrityError")
        assert outcomes[0] == outcomes[1]

    @rule()
    def reopen(self) -> None:
        self.wal.close()
        self.wal = self._open()

    @invariant()
    def same_aggregate_sequences(self) -> None:
        """Same events per originator, in version order (POPO keeps insertion order, so the
        model sorts; SQL recorders order by version as the WAL recorder does)."""
        for oid in ("a", "b", UUID(int=1)):
            expected = sorted(self.popo.select_events(oid), key=lambda e: e.originator_version)
            assert _rows(self.wal.select_events(oid)) == _rows(expected)
            window = [e for e in expected if 1 < e.originator_version <= 3][::-1][:2]
            got = self.wal.select_events(oid, gt=1, lte=3, desc=True, limit=2)
            assert _rows(got) == _rows(window)

    @invariant()
    def same_notifications_and_positions(self) -> None:
        mine = self.wal.select_notifications(None, 100)
        theirs = self.popo.select_notifications(None, 100)
        assert [(n.id, *_rows([n])[0]) for n in mine] == [(n.id, *_rows([n])[0]) for n in theirs]
        assert self.wal.max_notification_id() == self.popo.max_notification_id()
        for app in ("up1", "up2"):
            assert self.wal.max_tracking_id(app) == self.popo.max_tracking_id(app)

    def teardown(self) -> None:
        self.wal.close()
        self._tmp.cleanup()


TestWalAgreesWithPopo = WalAgreesWithPopo.TestCase
TestWalAgreesWithPopo.settings = settings(stateful_step_count=10)
