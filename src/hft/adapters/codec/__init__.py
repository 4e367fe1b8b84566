"""Event serialization: one cattrs converter (msgspec preconf) over the event registry."""

from hft.adapters.codec.converter import MsgpackEventCodec, make_event_converter

__all__ = ["MsgpackEventCodec", "make_event_converter"]
