"""One msgspec call per batch: the wire rows as a tagged union over the event registry.

A batch is `[[type_name, version, {fields}], ...]`. msgspec reads an `array_like` Struct
with a tag as `[tag, field, ...]`, so each registered type gets a row Struct tagged with its
stable name whose fields are `v: Literal[version]` and `body: <the event class>`. msgspec then
picks the row type by name, checks the version and builds the attrs event in C, for the whole
batch at once: no Python call per event, no intermediate dicts.

Classes the converter does not pass through to msgspec (nested values it structures itself)
get a marker body type; msgspec hands their decoded builtins to `dec_hook`, which asks the
converter. Whatever this decoder refuses, the caller re-reads with the per-event reference
path, which names the error (unknown type, version, malformed field).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from typing import Any, Literal, Union, cast

import msgspec

from hft.domain.events import DomainEvent

Structure = Callable[[Any, type[DomainEvent]], DomainEvent]


class _Structured(abc.ABC):
    """Marker body type: the converter, not msgspec, builds this class.

    msgspec checks that `dec_hook` returns an instance of the type it asked for; each
    marker registers its event class as a virtual subclass so the built event passes.
    """

    event_cls: type[DomainEvent]


def _marker(cls: type[DomainEvent]) -> type[_Structured]:
    marker: Any = type(f"Structured{cls.__name__}", (_Structured,), {"event_cls": cls})
    marker.register(cls)
    return cast(type[_Structured], marker)


def _row(name: str, version: int, body: type[Any]) -> type[msgspec.Struct]:
    fields = [("v", Literal[version]), ("body", body)]
    return msgspec.defstruct(f"Row{name}", fields, tag=name, array_like=True, frozen=True)


class BatchDecoder:
    """Decodes one wire batch into events with a single `msgspec` decode.

    `rows` lists each registered type as (name, version, class, native): msgspec builds
    the native classes itself, `structure` (the converter) builds the others. `decode`
    raises msgspec's errors (or the converter's) for anything that is not a batch of
    registered rows.
    """

    def __init__(
        self, rows: Iterable[tuple[str, int, type[DomainEvent], bool]], structure: Structure
    ) -> None:
        row_types = [
            _row(name, version, cls if native else _marker(cls))
            for name, version, cls, native in rows
        ]
        self._structure = structure
        # A union built at run time; an empty registry reads only empty batches.
        union: Any = Union.__getitem__(tuple(row_types)) if row_types else None
        batch: Any = list[union] if row_types else tuple[()]
        self._decoder = msgspec.msgpack.Decoder(batch, dec_hook=self._build)

    def decode(self, payload: bytes) -> list[DomainEvent]:
        return [row.body for row in self._decoder.decode(payload)]

    def _build(self, tp: type[Any], obj: Any) -> Any:
        if isinstance(tp, type) and issubclass(tp, _Structured):
            return self._structure(obj, tp.event_cls)
        raise NotImplementedError(f"no decoder for {tp!r}")
