"""Named errors of the Shioaji adapter. Each says what was refused and why; none is retried."""

from __future__ import annotations

from hft.ports.broker import BrokerUnavailableError


class ShioajiAdapterError(Exception):
    """Base of the errors this adapter raises on purpose."""


class MissingCredentialsError(ShioajiAdapterError):
    """Required environment variables are not set; `missing` names them."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__("missing Shioaji credentials: set " + ", ".join(missing))


class NotLoggedInError(ShioajiAdapterError, BrokerUnavailableError):
    """The session is not up; nothing was sent to the venue."""


class LoginThrottledError(ShioajiAdapterError):
    """A login was refused locally: too soon after the last one, or while the venue bans us.

    `retry_at_ns` is the earliest time a login may be attempted again.
    """

    def __init__(self, message: str, retry_at_ns: int) -> None:
        self.retry_at_ns = retry_at_ns
        super().__init__(message)


class LoginInProgressError(ShioajiAdapterError):
    """Another login is running in this process (one at a time per process)."""


class SubscriptionLimitError(ShioajiAdapterError, ValueError):
    """Subscribing would exceed the venue's 200 quote subscriptions; nothing was subscribed."""


class UnknownSymbolError(ShioajiAdapterError, ValueError):
    """The symbol is not among the loaded contracts."""


class OffGridPriceError(ShioajiAdapterError, ValueError):
    """A venue price does not fit `PRICE_SCALE` or the instrument's tick grid."""


class RateLimitedError(ShioajiAdapterError, BrokerUnavailableError):
    """The local token bucket refused the call before it reached the venue (nothing sent)."""


class OrderQueueFullError(ShioajiAdapterError, BrokerUnavailableError):
    """The order worker's bounded queue is full; the call was not queued (nothing sent)."""


class UnknownIntentError(ShioajiAdapterError, KeyError):
    """An amend or cancel named an intent this adapter never placed."""
