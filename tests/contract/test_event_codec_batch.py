"""The codec's batch decode (one msgspec call per batch) equals its per-event reference path:
same events for every payload it accepts, the same named error for every payload it refuses."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.codec import MsgpackEventCodec
from hft.domain.catalog import event_registry
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent, EventRegistry
from hft.domain.market import QuoteReceived
from hft.domain.session import SessionStarted
from hft.ports.codec import CodecError
from tests.strategies.events import events_of

CODEC = MsgpackEventCodec()
ENTRIES = list(event_registry())
ACCEPTED = {"originator_id": "i1", "originator_version": 1, "ts_event_ns": 1, "ts_init_ns": 2}
ANY_EVENT = st.sampled_from(ENTRIES).flatmap(lambda entry: events_of(entry.cls))


def _outcome(decode: Any, payload: bytes) -> tuple[str, Any]:
    """What a decode path made of `payload`: its events (with their classes) or its error."""
    try:
        events = decode(payload)
    except (UnknownEventType, CodecError) as exc:
        return "error", type(exc)
    return "events", [(type(e), e) for e in events]


def _session(**kw: Any) -> SessionStarted:
    fields: dict[str, Any] = {
        "originator_id": "session",
        "originator_version": 1,
        "ts_event_ns": 1,
        "ts_init_ns": 2,
        "session_id": "s",
        "account": "A1",
        "mode": "sim",
        "symbol_default": 10,
        "strategy_default": 20,
        "global_limit": 30,
        "max_keys": 4,
        "symbol_overrides": (("2330", 5),),
    }
    fields.update(kw)
    return SessionStarted(**fields)


@settings(max_examples=150)
@given(events=st.lists(ANY_EVENT, max_size=12))
def test_batch_decode_equals_reference_decode_and_the_batch_property(
    events: list[DomainEvent],
) -> None:
    """Any mix of registered types: batch decode == reference decode == what was encoded."""
    payload = CODEC.encode(events)
    decoded = CODEC.decode(payload)
    assert decoded == CODEC.decode_reference(payload) == events
    assert [type(e) for e in decoded] == [type(e) for e in events]


@settings(max_examples=100)
@given(events=st.lists(ANY_EVENT, min_size=1, max_size=4), data=st.data())
def test_damaged_payload_gets_the_same_outcome_from_both_paths_property(
    events: list[DomainEvent], data: st.DataObject
) -> None:
    """A flipped byte or a cut payload: equal events from both paths, or the same named error."""
    payload = bytearray(CODEC.encode(events))
    if data.draw(st.booleans(), label="truncate"):
        damaged = bytes(payload[: data.draw(st.integers(0, len(payload) - 1))])
    else:
        at = data.draw(st.integers(0, len(payload) - 1), label="at")
        payload[at] = data.draw(st.integers(0, 255), label="byte")
        damaged = bytes(payload)
    assert _outcome(CODEC.decode, damaged) == _outcome(CODEC.decode_reference, damaged)


def test_a_converter_built_class_decodes_in_a_batch_beside_native_ones() -> None:
    """SessionStarted (nested tuples, built by the converter) amid msgspec-built quotes."""
    quote = QuoteReceived(
        originator_id="2330",
        originator_version=1,
        ts_event_ns=3,
        ts_init_ns=4,
        symbol="2330",
        bid_px=1,
        bid_qty=2,
        ask_px=3,
        ask_qty=4,
    )
    batch: list[DomainEvent] = [quote, _session(), quote]
    decoded = CODEC.decode(CODEC.encode(batch))
    assert decoded == batch
    assert decoded[1].symbol_overrides == (("2330", 5),)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([("IntentAccepted", 1, ACCEPTED), ("NoSuchEvent", 1, {})], UnknownEventType, "NoSuch"),
        ([("SessionStarted", 2, {})], UnknownEventType, "v2"),
        ([("SessionStarted", 1, {"symbol_overrides": 5})], CodecError, "SessionStarted"),
        ([("QuoteReceived", 1, {}, "extra")], CodecError, "batch"),
        ([("QuoteReceived", "1", {})], CodecError, "batch"),
    ],
    ids=["unknown-name", "non-native-version", "non-native-field", "four-items", "str-version"],
)
def test_refused_rows_get_the_reference_paths_named_error(
    rows: list[tuple[Any, ...]], error: type[Exception], match: str
) -> None:
    """Whatever the batch path refuses is re-read event by event, which names the problem."""
    with pytest.raises(error, match=match):
        CODEC.decode(msgspec.msgpack.encode(rows))


def test_empty_batch_decodes_to_no_events() -> None:
    assert CODEC.decode(CODEC.encode([])) == []


def test_a_codec_over_an_empty_registry_reads_only_empty_batches() -> None:
    """A registry without types still gives a codec: it reads `[]` and names anything else."""
    codec = MsgpackEventCodec(EventRegistry())
    assert codec.decode(msgspec.msgpack.encode([])) == []
    with pytest.raises(UnknownEventType, match="QuoteReceived"):
        codec.decode(msgspec.msgpack.encode([("QuoteReceived", 1, {})]))
