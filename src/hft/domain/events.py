"""The event base and the registry of stable event type names.

Events are frozen facts. Each carries the id and version of the aggregate that emitted it,
a deterministic event id (derived from those two, never random), the time the fact became
true (`ts_event_ns`) and the time the system built it (`ts_init_ns`). A type's stable name
comes from the registry, never from `__qualname__`, so a class rename never breaks an old log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from hft.domain.errors import InvalidValue, UnknownEventType


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Fields every event has. Subclasses add their own, all keyword-only."""

    originator_id: str
    originator_version: int
    ts_event_ns: int
    ts_init_ns: int

    @property
    def event_id(self) -> str:
        """Deterministic: the same aggregate version always names the same event."""
        return event_id_of(self.originator_id, self.originator_version)


def event_id_of(originator_id: str, originator_version: int) -> str:
    return f"{originator_id}#{originator_version}"


E = TypeVar("E", bound=type[DomainEvent])


@attrs.frozen
class EventType:
    """A registered event type: its stable wire name, schema version and class."""

    name: str
    version: int
    cls: type[DomainEvent]


class EventRegistry:
    """Maps stable names to event classes and back. One instance per process: `REGISTRY`."""

    def __init__(self) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_cls: dict[type[DomainEvent], EventType] = {}

    def register(self, name: str, version: int = 1) -> Callable[[E], E]:
        """Class decorator: `@REGISTRY.register("IntentAccepted", 1)`."""

        def wrap(cls: E) -> E:
            if name in self._by_name and self._by_name[name].cls is not cls:
                raise InvalidValue(f"event name {name!r} is already taken")
            if version < 1:
                raise InvalidValue(f"event {name!r}: version must be >= 1")
            entry = EventType(name, version, cls)
            self._by_name[name] = entry
            self._by_cls[cls] = entry
            return cls

        return wrap

    def by_name(self, name: str) -> EventType:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {name!r}") from None

    def of(self, event: DomainEvent | type[DomainEvent]) -> EventType:
        cls = event if isinstance(event, type) else type(event)
        try:
            return self._by_cls[cls]
        except KeyError:
            raise UnknownEventType(f"{cls.__qualname__} is not a registered event") from None

    def __iter__(self) -> Iterator[EventType]:
        return iter(sorted(self._by_name.values(), key=lambda e: e.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> Mapping[str, EventType]:
        return dict(self._by_name)


REGISTRY = EventRegistry()
register = REGISTRY.register


def fold(evolve: Callable[[Any, Any], Any], initial: Any, events: Any) -> Any:
    """Left fold of `evolve` over events: the one way state is rebuilt, live and in replay."""
    state = initial
    for event in events:
        state = evolve(state, event)
    return state
