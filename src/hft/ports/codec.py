"""Serialization of domain events, injected into the adapters that store or ship them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hft.domain.events import DomainEvent


class EventCodec(Protocol):
    """Encodes batches of registered events to bytes and back, losslessly.

    `encode` produces one payload per batch (the log frames it and checksums it once).
    `decode(encode(batch)) == batch` for every registered event. Unknown type names or
    versions raise `UnknownEventType`; malformed payloads raise `CodecError`.
    `to_dict`/`from_dict` give the same content as plain JSON-able data: `{"type": name,
    "v": version, ...fields}` with enums as their values and tuples as lists.
    """

    def encode(self, events: Sequence[DomainEvent]) -> bytes: ...

    def decode(self, payload: bytes) -> list[DomainEvent]: ...

    def to_dict(self, event: DomainEvent) -> dict[str, Any]: ...

    def from_dict(self, data: dict[str, Any]) -> DomainEvent: ...


class CodecError(ValueError):
    """A payload could not be decoded into registered events (corrupt or foreign data)."""
