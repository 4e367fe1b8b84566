"""Reference data: what is tradable, on which tick grid, within which price limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hft.domain.values import Instrument


class ReferenceData(Protocol):
    """Looks up instruments by symbol code.

    Never blocks: adapters load or refresh contracts off the hot path and answer from memory.
    `instrument` returns None for an unknown symbol (the gateway rejects INVALID_SYMBOL).
    """

    def instrument(self, symbol: str) -> Instrument | None: ...

    def symbols(self) -> Sequence[str]: ...
