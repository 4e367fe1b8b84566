"""The base of the domain's hot-path enums."""

from __future__ import annotations

import enum


class IdentityEnum(enum.Enum):
    """An enum hashed by identity, in C.

    Members are singletons compared by identity, so `object.__hash__` agrees with equality;
    `enum.Enum.__hash__` (a Python-level `hash(self._name_)`) was a few percent of every fold
    step, where statuses, sides and triggers are set members and table keys. Neither hash is
    stable across processes (string hashing is salted), so nothing may depend on it anyway.
    """

    __hash__ = object.__hash__
