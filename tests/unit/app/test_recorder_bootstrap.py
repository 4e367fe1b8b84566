"""The recorder's composition root: env-driven mode and thresholds, claims, and the
eventsourcing persistence module on the WAL, each built as an operator would."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from hft.app.bootstrap.recorder import (
    InvalidThresholdsError,
    build_recorder,
    claim_registry,
    es_environment,
    halt_hook,
    pressure_monitor,
    pressure_thresholds_from_env,
)
from hft.app.bootstrap.wal import open_event_log, wal_config
from hft.app.recorder import RecorderMode, UnknownRecorderModeError
from hft.ports.disk_pressure import PressureLevel
from tests.strategies.recorder import ExplodingSink, order_events


def _halt(reason: str) -> None:
    raise AssertionError(reason)


def test_wal_first_from_the_environment_writes_the_wal_and_never_the_sink(
    tmp_path: Path,
) -> None:
    """HFT_RECORDER_MODE=wal_first over a real WAL: events durable, sink untouched."""
    log = open_event_log(str(tmp_path), wal_config("fsync"))
    sink = ExplodingSink()
    recorder = build_recorder(
        log,
        log_id="L1",
        on_halt=_halt,
        sink=sink,
        environ={"HFT_RECORDER_MODE": "wal_first"},
    )
    receipt = recorder.record("orders", order_events(3))
    assert receipt is not None
    assert log.wait_durable(receipt.last_seq, timeout_s=60)
    recorder.close()
    log.close()
    assert recorder.mode is RecorderMode.WAL_FIRST
    assert sink.calls == 0
    reopened = open_event_log(str(tmp_path))
    assert [e.seq for e in reopened.read()] == [1, 2, 3]
    reopened.close()


def test_an_unknown_mode_in_the_environment_is_refused_by_name(tmp_path: Path) -> None:
    """A typo in HFT_RECORDER_MODE stops the build with UnknownRecorderModeError."""
    log = open_event_log(str(tmp_path), wal_config("none"))
    try:
        with pytest.raises(UnknownRecorderModeError, match="wal-first"):
            build_recorder(
                log, log_id="L1", on_halt=_halt, environ={"HFT_RECORDER_MODE": "wal-first"}
            )
    finally:
        log.close()


def test_thresholds_come_from_the_environment_with_defaults() -> None:
    """HFT_DISK_* override the defaults; the rest keep theirs."""
    thresholds = pressure_thresholds_from_env(
        {
            "HFT_DISK_HALT_FREE_BYTES": "1000",
            "HFT_DISK_WARN_WAL_BYTES": "10",
            "HFT_DISK_CRITICAL_WAL_BYTES": "20",
            "HFT_DISK_HALT_WAL_BYTES": "30",
        }
    )
    assert thresholds.halt_free_bytes == 1000
    assert thresholds.warn_free_bytes == 4 << 30
    assert thresholds.halt_wal_bytes == 30
    assert thresholds.clear_margin_bytes == 256 << 20


@pytest.mark.parametrize(
    "environ",
    [
        {"HFT_DISK_WARN_FREE_BYTES": "lots"},
        {"HFT_DISK_WARN_FREE_BYTES": "1"},
        {"HFT_DISK_WARN_WAL_BYTES": "10"},
    ],
)
def test_bad_thresholds_in_the_environment_are_refused_by_name(environ: dict[str, str]) -> None:
    """A non-number, an inverted order or a partial size limit raise InvalidThresholdsError."""
    with pytest.raises(InvalidThresholdsError):
        pressure_thresholds_from_env(environ)


def test_the_pressure_monitor_measures_the_wal_directory(tmp_path: Path) -> None:
    """A monitor over a real directory with a size limit reports the WAL's segment bytes."""
    log = open_event_log(str(tmp_path), wal_config("fsync", segment_bytes=1 << 20))
    log.append(order_events(1))
    log.close()
    env = {
        "HFT_DISK_WARN_FREE_BYTES": "3",
        "HFT_DISK_CRITICAL_FREE_BYTES": "2",
        "HFT_DISK_HALT_FREE_BYTES": "1",
        "HFT_DISK_WARN_WAL_BYTES": "1000",
        "HFT_DISK_CRITICAL_WAL_BYTES": "2000",
        "HFT_DISK_HALT_WAL_BYTES": "3000",
        "HFT_DISK_CLEAR_MARGIN_BYTES": "0",
    }
    monitor = pressure_monitor(str(tmp_path), pressure_thresholds_from_env(env))
    assert monitor.check() is PressureLevel.HALT
    usage = monitor.last_usage()
    assert usage is not None
    assert usage.wal_bytes == 1 << 20


def test_claim_registries_on_one_directory_are_exclusive(tmp_path: Path) -> None:
    """Two claim registries on one lock directory never hold the same segment."""
    a, b = claim_registry(str(tmp_path)), claim_registry(str(tmp_path))
    claim = a.try_claim("00000000000000000001.seg")
    assert claim is not None
    assert b.try_claim("00000000000000000001.seg") is None
    a.release(claim)
    assert b.try_claim("00000000000000000001.seg") is not None


class Counter(Aggregate):
    """A minimal library aggregate, to run the library's own Application on the WAL."""

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


def test_an_eventsourcing_application_saves_and_reloads_through_the_wal(
    tmp_path: Path,
) -> None:
    """Application.save on WAL recorders, then a fresh Application reads the same state."""
    app: Application[UUID] = Application(env=es_environment(str(tmp_path), "fsync"))
    counter = Counter("orders-limit")
    counter.increment()
    counter.increment()
    app.save(counter)
    app.close()
    again: Application[UUID] = Application(env=es_environment(str(tmp_path), "fsync"))
    try:
        loaded: Counter = again.repository.get(counter.id)
        assert (loaded.name, loaded.count, loaded.version) == ("orders-limit", 2, 3)
        notes = again.notification_log.select(start=1, limit=10)
        assert [n.id for n in notes] == [1, 2, 3]
    finally:
        again.close()


def test_the_halt_hook_names_disk_pressure_as_the_source() -> None:
    """halt_hook turns on_halt(reason) into the gateway's halt(source, reason)."""
    calls: list[tuple[str, str]] = []
    on_halt = halt_hook(lambda source, reason: calls.append((source, reason)))
    on_halt("disk pressure HALT: free 1.0 MiB below 2.0 MiB")
    assert calls == [("disk_pressure", "disk pressure HALT: free 1.0 MiB below 2.0 MiB")]
