"""The Shioaji session: login, reconnect with backoff, callbacks re-registered on every login.

Nothing here loops or sleeps. `maintain(now_ns)` is called periodically by the owner (the facade)
and makes at most one login attempt when one is due. A venue ban ("log in again in 1 minute")
or a login-rate refusal sets a cooldown; the session never retries inside it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs

from hft.adapters.shioaji.client import ClientFactory, ShioajiClient
from hft.adapters.shioaji.credentials import Credentials
from hft.adapters.shioaji.errors import (
    LoginInProgressError,
    LoginThrottledError,
    NotLoggedInError,
)
from hft.domain.connectivity import (
    SESSION_DOWN,
    SESSION_LOGGED_IN,
    SESSION_LOGGED_OUT,
    SESSION_LOGIN_BANNED,
    SESSION_LOGIN_FAILED,
    SESSION_RECONNECTED,
    SESSION_RECONNECTING,
    BrokerSessionChanged,
)
from hft.ports.clock import Clock

SECOND_NS = 1_000_000_000
EVENT_RECONNECTING = 12
EVENT_RECONNECTED = 13
VENUE = "shioaji"
_BAN_MARKERS = ("1 minute", "one minute", "一分鐘", "1分鐘", "too many", "login limit", "頻繁")

Registrar = Callable[[ShioajiClient], None]


@attrs.frozen(kw_only=True)
class SessionConfig:
    """Login pacing. Times in ns; the venue allows 1,000 logins a day and 5 connections."""

    simulation: bool = True
    min_login_spacing_ns: int = 5 * SECOND_NS
    backoff_initial_ns: int = 2 * SECOND_NS
    backoff_max_ns: int = 120 * SECOND_NS
    ban_cooldown_ns: int = 65 * SECOND_NS
    max_logins_per_day: int = 200
    max_pending_events: int = 1024


class LoginGate:
    """One login at a time per process, spaced `min_spacing_ns` apart, capped per 24 h."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ns: int | None = None
        self._history: deque[int] = deque()

    def admit(self, now_ns: int, min_spacing_ns: int, max_per_day: int) -> None:
        """Take the gate or raise `LoginInProgressError` / `LoginThrottledError`."""
        if not self._lock.acquire(blocking=False):
            raise LoginInProgressError("another Shioaji login is running in this process")
        try:
            self._check(now_ns, min_spacing_ns, max_per_day)
        except LoginThrottledError:
            self._lock.release()
            raise
        self._last_ns = now_ns
        self._history.append(now_ns)

    def release(self) -> None:
        self._lock.release()

    def _check(self, now_ns: int, min_spacing_ns: int, max_per_day: int) -> None:
        if self._last_ns is not None and now_ns - self._last_ns < min_spacing_ns:
            retry = self._last_ns + min_spacing_ns
            raise LoginThrottledError("login too soon after the previous one", retry)
        while self._history and self._history[0] <= now_ns - 86_400 * SECOND_NS:
            self._history.popleft()
        if len(self._history) >= max_per_day:
            retry = self._history[0] + 86_400 * SECOND_NS
            raise LoginThrottledError(f"{max_per_day} logins in 24 h: daily budget spent", retry)


PROCESS_LOGIN_GATE = LoginGate()
"""The gate every session in this process shares unless a test injects its own."""


def is_ban(message: str) -> bool:
    """Whether a venue refusal asks us to stay away (a login storm or a one-minute ban)."""
    text = message.lower()
    return any(marker in text for marker in _BAN_MARKERS)


class ShioajiSession:
    """Owns the client and its login state. Thread-safe; SDK callbacks may arrive on any thread.

    Emits `BrokerSessionChanged` events, drained by `drain_events`. `client` raises
    `NotLoggedInError` while the session is down.
    """

    def __init__(
        self,
        factory: ClientFactory,
        credentials: Credentials,
        clock: Clock,
        config: SessionConfig | None = None,
        gate: LoginGate = PROCESS_LOGIN_GATE,
    ) -> None:
        self._factory = factory
        self._credentials = credentials
        self._clock = clock
        self.config = config or SessionConfig()
        self._gate = gate
        self._client: ShioajiClient | None = None
        self._registrars: list[Registrar] = []
        self._lock = threading.RLock()
        self._events: deque[BrokerSessionChanged] = deque()
        self._version = 0
        self.connected = False
        self.wanted = False
        self.reconnects = 0
        self.failures = 0
        self.dropped_events = 0
        self.retry_at_ns = 0
        self.banned_until_ns = 0
        self.accounts: list[Any] = []
        self.last_login_latency_ns = 0
        self._ever_logged_in = False
        self.login_attempts = 0

    def add_registrar(self, registrar: Registrar) -> None:
        """`registrar(client)` runs after every successful (re)login to set its callbacks."""
        self._registrars.append(registrar)

    @property
    def client(self) -> ShioajiClient:
        """The logged-in client. Raises `NotLoggedInError` while the session is down."""
        client = self._client
        if client is None or not self.connected:
            raise NotLoggedInError("Shioaji session is not logged in")
        return client

    def account_labels(self) -> tuple[str, ...]:
        """The accounts the last login returned, as `Stock 9A95-1234567` (for operators)."""
        labels = []
        for account in self.accounts:
            kind = getattr(getattr(account, "account_type", None), "name", "?")
            labels.append(f"{kind} {account.broker_id}-{account.account_id}")
        return tuple(labels)

    def login(self) -> None:
        """Log in now (blocking). Raises `LoginThrottledError`, `LoginInProgressError` or the
        venue's own error; a refusal is recorded as an event with the time of the next try."""
        now = self._clock.now_ns()
        if now < self.banned_until_ns:
            raise LoginThrottledError("the venue asked us to stay away", self.banned_until_ns)
        if now < self.retry_at_ns and self.failures:
            raise LoginThrottledError("in cooldown after a refused login", self.retry_at_ns)
        self.wanted = True
        self._gate.admit(now, self.config.min_login_spacing_ns, self.config.max_logins_per_day)
        try:
            self._login_once(now)
        finally:
            self._gate.release()

    def maintain(self, now_ns: int) -> None:
        """Make one login attempt if the session should be up, is down, and a retry is due."""
        if not self.wanted or self.connected or now_ns < self.retry_at_ns:
            return
        try:
            self.login()
        except (LoginThrottledError, LoginInProgressError) as refused:
            self.retry_at_ns = getattr(refused, "retry_at_ns", now_ns + self._backoff_ns())
        except Exception:  # noqa: S110 - the venue's refusal is recorded by _login_once
            pass

    def logout(self) -> None:
        """Log out and stop reconnecting."""
        with self._lock:
            self.wanted = False
            client, self.connected = self._client, False
        if client is not None:
            client.logout()
        self._emit(SESSION_LOGGED_OUT, "logout requested", retry_at_ns=0)

    def on_session_down(self) -> None:
        """SDK callback: the connection is gone. Schedules a re-login after a backoff."""
        with self._lock:
            self.connected = False
            # Never earlier than a retry already scheduled: a drop must not cut a ban short.
            self.retry_at_ns = max(self.retry_at_ns, self._clock.now_ns() + self._backoff_ns())
        self._emit(SESSION_DOWN, "session down", retry_at_ns=self.retry_at_ns)

    def on_event(self, resp_code: int, event_code: int, info: str, event: str) -> None:
        """SDK callback: 12 = the SDK is reconnecting, 13 = it reconnected; others ignored."""
        if event_code == EVENT_RECONNECTING:
            self.connected = False
            self._emit(SESSION_RECONNECTING, f"{event_code} {info} {event}".strip())
        elif event_code == EVENT_RECONNECTED:
            self.connected = self._client is not None and self.wanted
            self._emit(SESSION_RECONNECTED, f"{event_code} {info} {event}".strip())

    def drain_events(self) -> list[BrokerSessionChanged]:
        """Session events since the last drain, oldest first."""
        with self._lock:
            out = list(self._events)
            self._events.clear()
        return out

    def _login_once(self, now: int) -> None:
        self.login_attempts += 1
        try:
            # Building the client already touches the network: its failure is a refusal too.
            client = self._client or self._factory(self.config.simulation)
            self._client = client
            self.accounts = list(
                client.login(self._credentials.api_key, self._credentials.secret_key)
            )
            self._activate_ca(client)
        except Exception as refused:
            self._record_refusal(now, str(refused))
            raise
        self.last_login_latency_ns = max(0, self._clock.now_ns() - now)
        self._on_logged_in(client)

    def _activate_ca(self, client: ShioajiClient) -> None:
        creds = self._credentials
        if creds.ca_path and creds.ca_password:
            client.activate_ca(creds.ca_path, creds.ca_password, creds.person_id)

    def _on_logged_in(self, client: ShioajiClient) -> None:
        client.set_event_callback(self.on_event)
        client.set_session_down_callback(self.on_session_down)
        for registrar in self._registrars:
            registrar(client)
        with self._lock:
            self.reconnects += 1 if self._ever_logged_in else 0
            self._ever_logged_in = True
            self.connected, self.failures, self.retry_at_ns = True, 0, 0
        self._emit(SESSION_LOGGED_IN, "simulation" if self.config.simulation else "production")

    def _record_refusal(self, now: int, message: str) -> None:
        with self._lock:
            self.failures += 1
            banned = is_ban(message)
            wait = self.config.ban_cooldown_ns if banned else self._backoff_ns()
            self.retry_at_ns = now + wait
            if banned:
                self.banned_until_ns = now + wait
        state = SESSION_LOGIN_BANNED if banned else SESSION_LOGIN_FAILED
        self._emit(state, message[:200], retry_at_ns=self.retry_at_ns)

    def _backoff_ns(self) -> int:
        exponent = min(self.failures, 16)
        return min(self.config.backoff_max_ns, self.config.backoff_initial_ns << exponent)

    def _emit(self, state: str, detail: str, retry_at_ns: int = 0) -> None:
        with self._lock:
            self._version += 1
            now = self._clock.now_ns()
            event = BrokerSessionChanged(
                originator_id=VENUE,
                originator_version=self._version,
                ts_event_ns=now,
                ts_init_ns=now,
                venue=VENUE,
                state=state,
                detail=detail,
                reconnects=self.reconnects,
                retry_at_ns=retry_at_ns,
            )
            if len(self._events) >= self.config.max_pending_events:
                self.dropped_events += 1
                return
            self._events.append(event)
