"""Wires the event codec: the only serialization the app hands to adapters."""

from __future__ import annotations

from functools import cache

from hft.adapters.codec import MsgpackEventCodec
from hft.ports.codec import EventCodec


@cache
def default_codec() -> EventCodec:
    """The process-wide codec over the complete event registry."""
    return MsgpackEventCodec()
