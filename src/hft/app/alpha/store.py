"""The promotion event store: an eventsourcing Application over the project's event codec.

Why a custom mapper: the library's default mapper reads `vars(event)` and names types by
module path; our events are slotted attrs classes named by the stable registry. This mapper
stores `codec.to_dict(event)` as JSON under the registry name, so a class rename or move
never breaks a stored history. Stream ids are UUIDs (the library's default id column type)
derived with uuid5 from the alpha id, so the same alpha always maps to the same stream.

Recorders: SQLite by default (one file under the state directory), PostgreSQL when
`HFT_ALPHA_STORE=postgres` (the library's `POSTGRES_*` variables configure it), POPO
(in memory) with `HFT_ALPHA_STORE=popo` or in tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from hft.domain.events import DomainEvent
from hft.domain.promotion import AlphaPromotion, project
from hft.domain.promotion_events import AlphaRegistered
from hft.ports.codec import EventCodec

STREAM_NAMESPACE = uuid.UUID("6b1f2b7e-58f4-4f39-9a3c-4d8c0f1a7e11")
"""Namespace of alpha stream ids; never change it (it would orphan every stored stream)."""


def stream_id_for(alpha_id: str) -> str:
    """The deterministic stream id (a UUID string) of an alpha."""
    return str(uuid.uuid5(STREAM_NAMESPACE, alpha_id))


class AlphaNotFound(LookupError):
    """No alpha of that id was ever registered."""


class CodecMapper(Mapper[uuid.UUID]):
    """Maps registered domain events to stored events via the injected `EventCodec`."""

    def __init__(self, codec: EventCodec, transcoder: Transcoder) -> None:
        super().__init__(transcoder=transcoder)
        self._codec = codec

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        data = self._codec.to_dict(domain_event)
        originator_id = uuid.UUID(data.pop("originator_id"))
        originator_version = data.pop("originator_version")
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=str(data["type"]),
            state=self.transcoder.encode(data),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        data: dict[str, Any] = self.transcoder.decode(stored_event.state)
        data["originator_id"] = str(stored_event.originator_id)
        data["originator_version"] = stored_event.originator_version
        return self._codec.from_dict(data)


class PromotionStore(Application[uuid.UUID]):
    """Stores and folds AlphaPromotion streams. `save` of several events is atomic; a version
    conflict (two writers) raises the library's IntegrityError and stores nothing."""

    name = "AlphaPromotions"

    def __init__(self, codec: EventCodec, env: Mapping[str, str] | None = None) -> None:
        self._codec = codec
        super().__init__(env)

    def construct_mapper(self) -> Mapper[uuid.UUID]:
        return CodecMapper(self._codec, self.construct_transcoder())

    def append(self, *events: DomainEvent) -> None:
        """Append events atomically (all or nothing)."""
        # Our events satisfy the library's event protocol structurally (str ids, mapped here).
        self.save(*cast("tuple[Any, ...]", events))

    def find(self, alpha_id: str) -> AlphaPromotion | None:
        """The folded state of `alpha_id`, or None if it was never registered."""
        return project(None, self.history(alpha_id))

    def get(self, alpha_id: str) -> AlphaPromotion:
        """Like `find`, but raises AlphaNotFound."""
        state = self.find(alpha_id)
        if state is None:
            raise AlphaNotFound(f"alpha {alpha_id!r} is not registered")
        return state

    def history(self, alpha_id: str) -> list[DomainEvent]:
        """Every event of the alpha's stream, in version order."""
        events = self.events.get(uuid.UUID(stream_id_for(alpha_id)))
        return list(cast("Iterable[DomainEvent]", events))

    def alpha_ids(self) -> list[str]:
        """Every registered alpha, in registration order."""
        found: list[str] = []
        start: int | None = 1
        while start is not None:
            page = self.recorder.select_notifications(start, 500, topics=["AlphaRegistered"])
            for notification in page:
                event = cast("DomainEvent", self.mapper.to_domain_event(notification))
                if isinstance(event, AlphaRegistered):
                    found.append(event.alpha_id)
            start = page[-1].id + 1 if len(page) == 500 else None
        return found


def store_env(kind: str, state_dir: Path) -> dict[str, str]:
    """The library environment for a store kind: "sqlite" (default), "postgres" or "popo"."""
    if kind == "popo":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if kind == "postgres":
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres"}
    if kind == "sqlite":
        state_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(state_dir / "alpha-promotions.sqlite"),
        }
    raise ValueError(f"unknown alpha store {kind!r}: use sqlite, postgres or popo")


def event_ids(events: Sequence[DomainEvent]) -> list[str]:
    return [e.event_id for e in events]
