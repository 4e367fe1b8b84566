"""eventsourcing persistence module over the WAL: `PERSISTENCE_MODULE=hft.adapters.wal.es_factory`.

Environment (read through the library's `Environment`, so `<APP>_WAL_DIR` works too):
`WAL_DIR` (required) the directory holding one WAL per purpose (`events` for the application
and process recorders, `snapshots`, `tracking`); `WAL_DURABILITY` `fsync` (default), `batch`
or `none`. One WAL directory has one writer: recorders opened on the same purpose share it.
"""

from __future__ import annotations

import os
import threading

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    InfrastructureFactoryError,
    ProcessRecorder,
)
from eventsourcing.utils import Environment, EnvType, resolve_topic

from hft.adapters.wal.config import WalConfig
from hft.adapters.wal.es_recorder import (
    WalAggregateRecorder,
    WalApplicationRecorder,
    WalEventStore,
    WalProcessRecorder,
    WalTrackingRecorder,
)
from hft.adapters.wal.format import Durability
from hft.adapters.wal.log import WalLog

WAL_DIR = "WAL_DIR"
WAL_DURABILITY = "WAL_DURABILITY"
EVENTS = "events"
TRACKING = "tracking"


class WalInfrastructureFactory(InfrastructureFactory[WalTrackingRecorder]):
    """Builds WAL-backed recorders; `close()` closes every WAL it opened (idempotent)."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        self._stores: dict[str, WalEventStore] = {}
        self._stores_lock = threading.Lock()

    def aggregate_recorder(self, purpose: str = EVENTS) -> AggregateRecorder:
        return WalAggregateRecorder(self._store(purpose))

    def application_recorder(self) -> ApplicationRecorder:
        return WalApplicationRecorder(self._store(EVENTS))

    def tracking_recorder(
        self, tracking_recorder_class: type[WalTrackingRecorder] | None = None
    ) -> WalTrackingRecorder:
        cls = tracking_recorder_class
        if cls is None:
            topic = self.env.get(self.TRACKING_RECORDER_TOPIC)
            cls = resolve_topic(topic) if topic else WalTrackingRecorder
        return cls(self._store(TRACKING))

    def process_recorder(self) -> ProcessRecorder:
        return WalProcessRecorder(self._store(EVENTS))

    def close(self) -> None:
        with self._stores_lock:
            stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            store.close()

    def _store(self, purpose: str) -> WalEventStore:
        directory = os.path.join(self._root(), purpose)
        with self._stores_lock:
            store = self._stores.get(directory)
            if store is None or store.closed:
                store = WalEventStore(WalLog.open(directory, self._config()))
                self._stores[directory] = store
            return store

    def _root(self) -> str:
        root = self.env.get(WAL_DIR)
        if not root:
            raise InfrastructureFactoryError(f"set {WAL_DIR} to the directory for the WAL")
        return root

    def _config(self) -> WalConfig:
        name = (self.env.get(WAL_DURABILITY) or "fsync").upper()
        try:
            policy = Durability[name]
        except KeyError:
            choices = ", ".join(d.name.lower() for d in Durability)
            msg = f"{WAL_DURABILITY}={name.lower()!r} is not one of: {choices}"
            raise InfrastructureFactoryError(msg) from None
        return WalConfig(policy=policy, segment_bytes=8 << 20)
