"""Ship the alpha store's decision history to ClickHouse's audit tables, through a WAL.

The eventsourcing store stays the source of truth for promotions. Shipping copies every event
it holds, in commit order, into an audit WAL (`<state>/audit/wal`) that the ordinary loader
projects into `alpha_gate_results`, `promotions` and `canary_actions`. It is idempotent by
content: an event already in the audit WAL (same stream and version) is never copied twice,
so a ship interrupted anywhere is finished by the next one, and the loader's own dedup keeps
ClickHouse free of repeats.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from hft.app.alpha.store import PromotionStore
from hft.domain.events import DomainEvent
from hft.ports.event_log import EventLog

PAGE = 500


def store_events(store: PromotionStore) -> Iterator[DomainEvent]:
    """Every event of every alpha, in the store's commit (notification) order."""
    start: int | None = 1
    while start is not None:
        page: list[Any] = list(store.recorder.select_notifications(start, PAGE))
        for notification in page:
            yield cast("DomainEvent", store.mapper.to_domain_event(notification))
        start = page[-1].id + 1 if len(page) == PAGE else None


def ship_to_log(store: PromotionStore, log: EventLog) -> int:
    """Append to `log` the store's events it does not hold yet; return how many. Durable on
    return."""
    shipped = {(e.event.originator_id, e.event.originator_version) for e in log.read(1)}
    missing = [
        event
        for event in store_events(store)
        if (event.originator_id, event.originator_version) not in shipped
    ]
    if missing:
        receipt = log.append(missing)
        log.wait_durable(receipt.last_seq)
    return len(missing)
