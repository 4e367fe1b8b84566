"""Hypothesis strategies that build any registered event from its attrs fields."""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

import attrs
from hypothesis import strategies as st

from hft.domain.events import DomainEvent

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def for_type(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for one field type: ints fit int64, text is any unicode."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(for_type(arg) for arg in typing.get_args(tp)))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(for_type(args[0]), max_size=4).map(tuple)
        return st.tuples(*(for_type(a) for a in args))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        int: INT64,
        str: st.text(max_size=24),
        bool: st.booleans(),
        type(None): st.none(),
    }
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if isinstance(tp, type) and attrs.has(tp):
        return instances_of(tp)
    raise NotImplementedError(f"no strategy for field type {tp!r}")


def instances_of(cls: type[Any]) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: for_type(hints[f.name]) for f in attrs.fields(cls) if f.init}
    return st.builds(cls, **kwargs)


def events_of(cls: type[DomainEvent]) -> st.SearchStrategy[DomainEvent]:
    """Instances of a registered event class; draws its validators refuse are filtered out."""

    def build(kwargs: dict[str, Any]) -> DomainEvent | None:
        try:
            return cls(**kwargs)
        except (ValueError, TypeError):
            return None

    hints = typing.get_type_hints(cls)
    fields = {f.name: for_type(hints[f.name]) for f in attrs.fields(cls) if f.init}
    return st.fixed_dictionaries(fields).map(build).filter(lambda e: e is not None)  # type: ignore[return-value]
