"""The EventCodec contract: every registered event round-trips, bad input gets a named error."""

from __future__ import annotations

import attrs
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hft.adapters.codec import MsgpackEventCodec
from hft.domain.catalog import event_registry
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent, EventType
from hft.domain.market import FeedGapDetected, QuoteReceived
from hft.ports.codec import CodecError, EventCodec
from tests.strategies.events import events_of

CODEC: EventCodec = MsgpackEventCodec()
ENTRIES = list(event_registry())


def _quote(version: int = 1) -> QuoteReceived:
    return QuoteReceived(
        originator_id="2330",
        originator_version=version,
        ts_event_ns=1_700_000_000_000_000_000,
        ts_init_ns=1_700_000_000_000_000_500,
        symbol="2330",
        bid_px=10_000_000,
        bid_qty=5,
        ask_px=10_050_000,
        ask_qty=3,
    )


def test_the_registry_is_not_empty_and_names_are_unique() -> None:
    """Every registered class has one stable name, so a log can always name its events."""
    names = [e.name for e in ENTRIES]
    assert len(names) == len(set(names)) >= 3
    assert "QuoteReceived" in names


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
@settings(max_examples=25)  # x every registered type: enough to hit each field's edge cases
@given(data=st.data())
def test_every_registered_event_roundtrips_wire_and_dict_property(
    entry: EventType, data: st.DataObject
) -> None:
    """decode(encode(batch)) == batch and from_dict(to_dict(e)) == e, for every event type."""
    events = data.draw(st.lists(events_of(entry.cls), min_size=1, max_size=5))
    assert CODEC.decode(CODEC.encode(events)) == events
    for event in events:
        as_dict = CODEC.to_dict(event)
        assert (as_dict["type"], as_dict["v"]) == (entry.name, entry.version)
        assert CODEC.from_dict(as_dict) == event
        assert msgspec.json.decode(msgspec.json.encode(as_dict)) == as_dict


def test_mixed_batch_keeps_order_and_types() -> None:
    """A batch of several types comes back in the same order with the same classes."""
    gap = FeedGapDetected(
        originator_id="feed",
        originator_version=1,
        ts_event_ns=1,
        ts_init_ns=2,
        source="sim",
        dropped=7,
        reason="queue full",
    )
    batch: list[DomainEvent] = [_quote(1), gap, _quote(2)]
    decoded = CODEC.decode(CODEC.encode(batch))
    assert [type(e) for e in decoded] == [QuoteReceived, FeedGapDetected, QuoteReceived]
    assert decoded == batch


def test_to_dict_names_the_type_and_flattens_fields() -> None:
    """The dict form is what the CLI prints and the loader ships: type, version, fields."""
    d = CODEC.to_dict(_quote())
    assert d["type"] == "QuoteReceived"
    assert d["v"] == 1
    assert d["bid_px"] == 10_000_000
    assert d["originator_id"] == "2330"


def test_unknown_type_name_is_a_named_error() -> None:
    payload = msgspec.msgpack.encode([("NoSuchEvent", 1, {})])
    with pytest.raises(UnknownEventType, match="NoSuchEvent"):
        CODEC.decode(payload)


def test_newer_version_than_this_build_reads_is_a_named_error() -> None:
    payload = msgspec.msgpack.encode([("QuoteReceived", 99, {})])
    with pytest.raises(UnknownEventType, match="v99"):
        CODEC.decode(payload)


@pytest.mark.parametrize(
    "payload",
    [b"", b"\xc1", b"\x93\xa1x", msgspec.msgpack.encode([("QuoteReceived", 1, {"symbol": 5})])],
    ids=["empty", "reserved-byte", "truncated", "wrong-field-type"],
)
def test_corrupt_payload_is_a_codec_error(payload: bytes) -> None:
    with pytest.raises(CodecError):
        CODEC.decode(payload)


def test_unregistered_class_cannot_be_encoded() -> None:
    @attrs.frozen(kw_only=True)
    class Stray(DomainEvent):
        pass

    stray = Stray(originator_id="x", originator_version=1, ts_event_ns=0, ts_init_ns=0)
    with pytest.raises(UnknownEventType, match="Stray"):
        CODEC.encode([stray])
    with pytest.raises(UnknownEventType):
        CODEC.to_dict(stray)


def test_dict_without_type_is_a_codec_error() -> None:
    with pytest.raises(CodecError, match="type"):
        CODEC.from_dict({"v": 1})
