"""Named domain errors. Every rule that refuses something raises one of these."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidValue(DomainError, ValueError):
    """A value object was given something it cannot represent (float, off-grid, negative...)."""


class InvalidTransition(DomainError):
    """A lifecycle received an event that its transition table does not allow."""

    def __init__(self, from_: object, event: object) -> None:
        self.from_ = from_
        self.event = event
        super().__init__(f"no transition from {from_!s} on {event!s}")


class UnknownEventType(DomainError, KeyError):
    """An event type name (or version) that the registry does not know."""


class ExposureCapacityExceeded(DomainError):
    """The exposure book is full and no zero-balance entry could be evicted."""
