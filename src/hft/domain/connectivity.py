"""Venue connectivity as domain events: a broker session's state changes are facts in the log.

A broker adapter emits these so that replay can explain every gap in trading: why orders were
refused as unavailable, when quotes stopped, and how often the session had to be rebuilt.
"""

from __future__ import annotations

import attrs

from hft.domain.events import DomainEvent, register

SESSION_LOGGED_IN = "LOGGED_IN"
SESSION_LOGGED_OUT = "LOGGED_OUT"
SESSION_DOWN = "DOWN"
SESSION_RECONNECTING = "RECONNECTING"
SESSION_RECONNECTED = "RECONNECTED"
SESSION_LOGIN_FAILED = "LOGIN_FAILED"
SESSION_LOGIN_BANNED = "LOGIN_BANNED"

SESSION_STATES = frozenset(
    {
        SESSION_LOGGED_IN,
        SESSION_LOGGED_OUT,
        SESSION_DOWN,
        SESSION_RECONNECTING,
        SESSION_RECONNECTED,
        SESSION_LOGIN_FAILED,
        SESSION_LOGIN_BANNED,
    }
)
"""The states a `BrokerSessionChanged` may carry (plain strings: stable on the wire)."""


@register("BrokerSessionChanged", 1)
@attrs.frozen(kw_only=True)
class BrokerSessionChanged(DomainEvent):
    """The session with `venue` (the originator) entered `state`; `detail` is the venue's text.

    `reconnects` counts the re-logins of this session so far; `retry_at_ns` is when the adapter
    will try again (0 when it will not try on its own, e.g. after a logout).
    """

    venue: str
    state: str
    detail: str
    reconnects: int = 0
    retry_at_ns: int = 0
