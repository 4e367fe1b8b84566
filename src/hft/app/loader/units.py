"""Insert units: runs of consecutive sealed segments inserted together.

Every insert call costs the store a new part per table (and later merges), so the loader
inserts several segments at once. A unit of one segment is named after it; a unit of several
is named after its first and last segments and recorded in the loader state before its first
insert, so that a crash before all its segments are marked shipped is repaired by redoing
exactly that unit: the same rows in the same chunks under the same dedup tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import pyarrow as pa

from hft.app.loader.arrow_columns import columns_to_arrow
from hft.app.loader.rows import ColumnBatch
from hft.ports.segments import SealedSegmentInfo


@attrs.frozen
class Member:
    """One claimed segment of a unit and its rows."""

    segment: SealedSegmentInfo
    claim: Any
    batch: ColumnBatch


@attrs.frozen
class Unit:
    """Consecutive segments inserted as one; `skip` is the tail position their rows start
    after (recorded so a redo builds the same rows)."""

    members: tuple[Member, ...]
    skip: int

    @property
    def name(self) -> str:
        first, last = self.members[0].segment.segment_id, self.members[-1].segment.segment_id
        return first if len(self.members) == 1 else f"{first}+{last}"

    @property
    def segment_ids(self) -> list[str]:
        return [m.segment.segment_id for m in self.members]

    def record(self) -> dict[str, Any]:
        return {"segments": self.segment_ids, "skip": self.skip}

    def batch(self) -> ColumnBatch:
        """The members' rows as one batch (chunked columns: nothing is copied)."""
        if len(self.members) == 1:
            return self.members[0].batch
        return merge_batches([m.batch for m in self.members])


def merge_batches(batches: list[ColumnBatch]) -> ColumnBatch:
    """Batches of consecutive sequence ranges as one; each table's rows stay in batch order."""
    merged = ColumnBatch(batches[0].log_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for batch in batches:
        merged.events += batch.events
        merged.dead_letters.extend(batch.dead_letters)
        if batch.first_seq:
            merged.first_seq = min(merged.first_seq or batch.first_seq, batch.first_seq)
        merged.last_seq = max(merged.last_seq, batch.last_seq)
        for table in batch.columns:
            if batch.rows(table):
                tables.setdefault(table, []).append(
                    columns_to_arrow(table, batch.table_columns(table))
                )
    for table, parts in tables.items():
        merged.columns[table] = {
            name: pa.chunked_array([p[name] for p in parts]) for name in parts[0]
        }
    return merged


def group(
    members: Iterable[Member], unit_events: int, skip: int, expected_events: int = 0
) -> Iterator[Unit]:
    """Consecutive members in units of at least `unit_events` events (the last may be
    smaller). When `expected_events` (all the members' events) says that less than half a
    unit would be left after a cut, the rest joins this unit instead: every unit costs the
    store a part per table and a fixed ~10-20 ms per insert, paid at the very end."""
    pending: list[Member] = []
    events = seen = 0
    for member in members:
        pending.append(member)
        count = member.batch.events + sum(d.events for d in member.batch.dead_letters)
        events += count
        seen += count
        small_rest = 0 < expected_events - seen < unit_events // 2
        if events >= unit_events and not small_rest:
            yield Unit(tuple(pending), skip)
            pending, events = [], 0
    if pending:
        yield Unit(tuple(pending), skip)
