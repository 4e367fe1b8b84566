"""Events -> rows: the JSON payload is the codec's dict, bad values become poison, not rows."""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs
from hypothesis import given
from hypothesis import strategies as st

from hft.app.bootstrap.codec import default_codec
from hft.app.loader.rows import ColumnBatch, Projector
from hft.app.loader.sample import EPOCH_NS, governance_events, sample_events
from hft.domain.events import DomainEvent
from hft.domain.market import QuoteReceived

PROJECTOR = Projector()


def _batch(events: Sequence[DomainEvent]) -> tuple[ColumnBatch, list[tuple[int, Exception]]]:
    batch = ColumnBatch("log-test")
    seqs = list(range(1, len(events) + 1))
    poisoned = PROJECTOR.add_many(batch, seqs, list(events))
    return batch, poisoned


def test_events_payload_is_the_codec_dict_for_every_sample_type() -> None:
    """For one event of every type the sample mix and the governance set produce, the JSON in
    events.payload parses to exactly `codec.to_dict(event)` as JSON (tuples become lists)."""
    events = [*sample_events(40), *governance_events(EPOCH_NS)]
    batch, poisoned = _batch(events)
    assert poisoned == []
    cols = batch.columns["events"]
    by_seq = dict(zip(cols["seq"], cols["payload"], strict=True))
    codec = default_codec()
    expected = {i + 1: json.loads(json.dumps(codec.to_dict(e))) for i, e in enumerate(events)}
    assert {seq: json.loads(p) for seq, p in by_seq.items()} == expected


def test_a_table_fed_by_many_types_gets_each_event_once_with_its_own_values() -> None:
    """intent_events takes several event types: every intent event of the batch appears once,
    and each row carries the type and intent of the event with that seq."""
    events = list(sample_events(200))
    batch, _ = _batch(events)
    cols = batch.columns["intent_events"]
    rows = dict(zip(cols["seq"], zip(cols["type"], cols["intent_id"], strict=True), strict=True))
    intents = {i + 1: e for i, e in enumerate(events) if type(e).__name__.startswith("Intent")}
    assert sorted(rows) == sorted(intents)
    assert rows == {s: (type(e).__name__, e.originator_id) for s, e in intents.items()}
    assert len(set(cols["type"])) >= 5


def _quote(px: int, version: int = 1) -> QuoteReceived:
    return QuoteReceived(
        originator_id="2330", originator_version=version, ts_event_ns=EPOCH_NS,
        ts_init_ns=EPOCH_NS + 1, symbol="2330", bid_px=px,
    )  # fmt: skip


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_any_int64_price_loads_and_keeps_its_value(px: int) -> None:
    """A price anywhere in Int64 is loaded unchanged (no float, no rounding)."""
    batch, poisoned = _batch([_quote(px)])
    assert poisoned == []
    assert batch.columns["market_quotes"]["bid_px"] == [px]


@given(st.one_of(st.integers(min_value=2**63), st.integers(max_value=-(2**63) - 1)))
def test_a_price_outside_int64_poisons_only_its_event(px: int) -> None:
    """An out-of-range value makes its own event a dead letter; its neighbours load in full,
    in every table, and the poisoned event leaves no row anywhere."""
    batch, poisoned = _batch([_quote(10_000, 1), _quote(px, 2), _quote(20_000, 3)])
    assert [index for index, _ in poisoned] == [1]
    assert "does not fit" in str(poisoned[0][1])
    assert batch.columns["events"]["seq"] == [1, 3]
    assert batch.columns["market_quotes"]["bid_px"] == [10_000, 20_000]
    assert batch.events == 2


def test_operator_actions_take_only_transitions_with_a_person() -> None:
    """Halt (source) and resume (operator) are operator actions; both are policy transitions
    whose mode column says where the policy went."""
    events = governance_events(EPOCH_NS)[:2]
    batch, _ = _batch(events)
    assert batch.columns["operator_actions"]["operator"] == ["ops-alice", "ops-alice"]
    assert batch.columns["policy_transitions"]["mode"] == ["HALT", "NORMAL"]
    assert attrs.has(type(events[0]))
