"""The one converter for domain events, and the msgpack codec built on it.

Wire shape of a batch: a msgpack array of `[type_name, version, {field: value}]` triples.
Dict shape (CLI JSON, analytics rows): `{"type": name, "v": version, **fields}`.
Enums travel as their values; names and versions come from the registry, never from
`__qualname__`, so a class rename never breaks an old log.

The cattrs converter (msgspec preconf) decides how each event class unstructures. Where it
decides "pass through to msgspec" (every event made of ints, strs, bools, enums and optionals),
the wire path hands the object to msgspec's C encoder: the same bytes cattrs would produce,
5x faster (see docs/adr/0005). Decoding reads a whole batch in one msgspec call over a tagged
union of the registered types (`batch.BatchDecoder`); anything it refuses is re-read event by
event (`decode_reference`), which names the error. Both paths give equal events (a property
test pins it).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from cattrs.errors import BaseValidationError
from cattrs.fns import identity
from cattrs.preconf.msgspec import MsgspecJsonConverter, make_converter

from hft.adapters.codec.batch import BatchDecoder
from hft.domain.catalog import event_registry
from hft.domain.errors import UnknownEventType
from hft.domain.events import DomainEvent, EventRegistry, EventType
from hft.ports.codec import CodecError

_NATIVE = (int, str, bool, type(None))
# What msgspec and the converter raise for bytes that are not a valid batch (msgspec reports
# a string that is not UTF-8 as UnicodeDecodeError).
_MALFORMED = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    BaseValidationError,
    UnicodeDecodeError,
)
# What the batch decoder raises for input it cannot read (the converter's errors come
# through `dec_hook`).
_REFUSED = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    BaseValidationError,
    TypeError,
    ValueError,
)


def _optional_native(tp: Any) -> bool:
    """`int | None`, `str | None`...: msgspec encodes and validates these itself."""
    origin = typing.get_origin(tp)
    if origin not in (typing.Union, types.UnionType):
        return False
    args = typing.get_args(tp)
    return type(None) in args and all(a in _NATIVE for a in args)


def make_event_converter() -> MsgspecJsonConverter:
    """The project's cattrs converter: msgspec preconf, so attrs events pass straight through
    (optionals of ints and strs too, which the preconf would otherwise unstructure itself)."""
    converter = make_converter()
    converter.register_unstructure_hook_factory(_optional_native, lambda _: identity)
    return converter


class _Wire:
    """How one registered class goes to and from the wire."""

    def __init__(self, entry: EventType, converter: MsgspecJsonConverter) -> None:
        self.name = entry.name
        self.version = entry.version
        self.cls = entry.cls
        hook = converter.get_unstructure_hook(entry.cls)
        self.native = hook is msgspec.to_builtins  # the preconf's "let msgspec do it"
        self.unstructure: Callable[[Any], Any] = (lambda e: e) if self.native else hook
        self.decoder = msgspec.msgpack.Decoder(entry.cls) if self.native else None
        self._structure = converter.structure

    def decode(self, raw: msgspec.Raw) -> DomainEvent:
        if self.decoder is not None:
            event: DomainEvent = self.decoder.decode(raw)
            return event
        structured: DomainEvent = self._structure(msgspec.msgpack.decode(raw), self.cls)
        return structured


def _lists(value: Any) -> Any:
    """Tuples as lists all the way down: the dict shape is what JSON can carry unchanged."""
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


class MsgpackEventCodec:
    """`EventCodec` over msgpack (msgspec), with cattrs deciding the structure of each class."""

    def __init__(self, registry: EventRegistry | None = None) -> None:
        self._registry = event_registry() if registry is None else registry
        self._converter = make_event_converter()
        self._encoder = msgspec.msgpack.Encoder()
        self._outer = msgspec.msgpack.Decoder(list[tuple[str, int, msgspec.Raw]])
        wires = [_Wire(entry, self._converter) for entry in self._registry]
        self._by_cls = {w.cls: w for w in wires}
        self._by_name = {w.name: w for w in wires}
        rows = [(w.name, w.version, w.cls, w.native) for w in wires]
        self._batch = BatchDecoder(rows, self._converter.structure)

    def encode(self, events: Sequence[DomainEvent]) -> bytes:
        by_cls = self._by_cls
        try:
            wires = [by_cls[type(e)] for e in events]
        except KeyError as exc:
            raise UnknownEventType(f"{exc.args[0].__qualname__} is not registered") from None
        rows = [(w.name, w.version, w.unstructure(e)) for w, e in zip(wires, events, strict=True)]
        return self._encoder.encode(rows)

    def decode(self, payload: bytes) -> list[DomainEvent]:
        try:
            return self._batch.decode(payload)
        except _REFUSED:
            return self.decode_reference(payload)  # raises the error that names the problem

    def decode_reference(self, payload: bytes) -> list[DomainEvent]:
        """`decode` one event at a time: slower, the reference the batch path must equal."""
        try:
            return [self._wire(n, v).decode(raw) for n, v, raw in self._outer.decode(payload)]
        except _MALFORMED as exc:
            raise CodecError(f"not a valid event batch: {exc}") from exc

    def to_dict(self, event: DomainEvent) -> dict[str, Any]:
        wire = self._by_cls.get(type(event))
        if wire is None:
            raise UnknownEventType(f"{type(event).__qualname__} is not registered")
        fields = _lists(msgspec.to_builtins(self._converter.unstructure(event)))
        return {"type": wire.name, "v": wire.version, **fields}

    def from_dict(self, data: dict[str, Any]) -> DomainEvent:
        fields = dict(data)
        try:
            name, version = fields.pop("type"), fields.pop("v")
        except KeyError as exc:
            raise CodecError(f"event dict lacks {exc.args[0]!r}") from None
        wire = self._wire(name, version)
        try:
            event: DomainEvent = self._converter.structure(fields, wire.cls)
        except (BaseValidationError, TypeError, ValueError) as exc:
            raise CodecError(f"{name} v{version}: {exc}") from exc
        return event

    def _wire(self, name: str, version: int) -> _Wire:
        wire = self._by_name.get(name)
        if wire is None:
            raise UnknownEventType(f"unknown event type {name!r}")
        if wire.version != version:
            raise UnknownEventType(f"{name} v{version} (this build reads v{wire.version})")
        return wire
