"""Frames decoded straight into flat records, skipping the domain event objects.

The codec's wire layout (hft.adapters.codec) is a msgpack array of `[type_name, version,
{field: value}]` triples whose maps hold the event class's attrs fields, enums as their values.
For each registered class whose fields are all plain (int, str, bool, an enum of str or int
values, an optional int or str) this module derives a msgspec Struct with
the same fields, types and defaults (enums as a Literal of their values), in the order msgspec
writes the event class. Decoding into it validates what the codec validates, and its JSON is
byte for byte the reference payload, the codec's dict shape `{"type", "v", ...fields}`.
Classes with any other field (tuples, nested values) get no shape: the codec decodes them.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

import attrs
import msgspec

from hft.domain.events import DomainEvent, EventRegistry, EventType

INT, STR, BOOL = "int", "str", "bool"
"""Field kinds; an optional field's kind ends in "?" (its None loads as the zero value)."""

_PLAIN = {int: INT, str: STR, bool: BOOL}


@attrs.frozen
class WireShape:
    """How the records of one event type decode: `fields` are the Struct's fields in order
    (`v` first, then the event's), `kinds[i]` the kind of `fields[i]`."""

    name: str
    version: int
    cls: type[DomainEvent]
    struct: type[msgspec.Struct]
    decode: Callable[[msgspec.Raw], Any]
    fields: tuple[str, ...]
    kinds: tuple[str, ...]

    def index(self, field: str) -> int:
        return self.fields.index(field)


def field_kind(tp: Any) -> tuple[str, Any] | None:
    """(kind, msgspec type) of a plain field type, None for any other type."""
    if tp in _PLAIN:
        return _PLAIN[tp], tp
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = tuple(member.value for member in tp)
        kinds = {_PLAIN.get(type(v)) for v in values}
        if len(kinds) != 1 or kinds == {BOOL} or not values:
            return None
        return kinds.pop() or "", Literal[values]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and args[0] in (int, str) and len(typing.get_args(tp)) == 2:
            return _PLAIN[args[0]] + "?", args[0] | None
    return None


def shape_of(entry: EventType) -> WireShape | None:
    """The Struct shape of a registered class, or None when a field is not plain."""
    hints = typing.get_type_hints(entry.cls)
    specs: dict[str, tuple[Any, ...]] = {}
    kinds: dict[str, str] = {}
    for field in attrs.fields(entry.cls):
        found = field_kind(hints[field.name])
        if found is None or isinstance(field.default, attrs.Factory) or field.alias != field.name:  # type: ignore[arg-type]
            return None
        kinds[field.name], spec_type = found
        if field.default is attrs.NOTHING:  # itself an enum member: test it first
            specs[field.name] = (field.name, spec_type)
        else:
            default = field.default
            specs[field.name] = (field.name, spec_type, getattr(default, "value", default))
    order = _encoded_order(entry.cls, hints)
    if order is None or sorted(order) != sorted(specs):
        return None
    struct = msgspec.defstruct(
        entry.name,
        [("v", int, entry.version), *(specs[name] for name in order)],
        kw_only=True,
        tag_field="type",
        tag=entry.name,
        frozen=True,
        gc=False,  # scalars only: untracked, so the collector never walks a batch of them
    )
    return WireShape(
        entry.name,
        entry.version,
        entry.cls,
        struct,
        msgspec.msgpack.Decoder(struct).decode,
        ("v", *order),
        (INT, *(kinds[name] for name in order)),
    )


def _encoded_order(cls: type[DomainEvent], hints: dict[str, Any]) -> list[str] | None:
    """The order msgspec writes the fields of `cls` in (the codec's JSON and wire order),
    read off one instance built from placeholder values."""
    placeholders: dict[str, Any] = {}
    for field in attrs.fields(cls):
        tp = hints[field.name]
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            placeholders[field.name] = next(iter(tp))
        else:
            placeholders[field.name] = {INT: 0, STR: "", BOOL: False}.get(_PLAIN.get(tp, ""))
    try:
        instance = cls(**placeholders)
    except (TypeError, ValueError):
        return None
    return list(msgspec.json.decode(msgspec.json.encode(instance)))


def wire_shapes(registry: EventRegistry) -> dict[str, WireShape]:
    """Type name -> shape, for every registered class that has one."""
    shapes = {}
    for entry in registry:
        shape = shape_of(entry)
        if shape is not None:
            shapes[entry.name] = shape
    return shapes


_ONE = msgspec.msgpack.Encoder()


def single_event_payload(name: str, version: int, fields: Any) -> bytes:
    """A payload holding just this record (fields as raw msgpack or a dict), for the codec."""
    return _ONE.encode([(name, version, fields)])


def record_fields(record: msgspec.Struct) -> dict[str, Any]:
    """The event fields of a decoded record (without the wire version)."""
    fields = msgspec.structs.asdict(record)
    del fields["v"]
    return fields


class FrameDecoder:
    """A whole frame in one msgspec call: each `[name, version, {fields}]` becomes a row
    Struct (array_like, tagged by the type name, the version pinned by a Literal) whose
    `body` is the shape's record, or the raw fields for registered types without a shape.
    Unknown names, other versions and invalid fields raise msgspec errors."""

    def __init__(self, registry: EventRegistry, shapes: dict[str, WireShape]) -> None:
        rows: list[Any] = []
        self.names: dict[type, str] = {}
        self.shaped: dict[type, WireShape] = {}
        for entry in registry:
            shape = shapes.get(entry.name)
            row = msgspec.defstruct(
                f"Row{entry.name}",
                [("v", Literal[entry.version]), ("body", shape.struct if shape else msgspec.Raw)],
                tag=entry.name,
                array_like=True,
                frozen=True,
                gc=False,
            )
            rows.append(row)
            self.names[row] = entry.name
            if shape is not None:
                self.shaped[row] = shape
        union: Any = typing.Union.__getitem__(tuple(rows)) if rows else msgspec.Raw
        self.decode: Callable[[bytes], list[Any]] = msgspec.msgpack.Decoder(list[union]).decode
