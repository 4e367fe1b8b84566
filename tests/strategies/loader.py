"""Strategies for the loader: events whose values fit the tables, and events that may not."""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from hft.domain.events import DomainEvent
from tests.strategies.events import events_of


def _fitting(event: DomainEvent) -> DomainEvent:
    """The same event with every int made small and non-negative (fits any integer column)."""
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(event)):
        value = getattr(event, field.name)
        if type(value) is int:
            changes[field.name] = abs(value) % 2**15
    return attrs.evolve(event, **changes)


def loader_events(cls: type[DomainEvent]) -> st.SearchStrategy[DomainEvent]:
    """Events of `cls`: mostly loadable, sometimes with any int64 (negative times and
    versions, which some columns cannot hold)."""
    any_event = events_of(cls)
    return st.one_of(any_event.map(_fitting), any_event.map(_fitting), any_event)
