"""The session: credentials, login pacing, bans never retried in a loop, reconnect re-registers."""

from __future__ import annotations

from typing import Any

import pytest
import shioaji as sj
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import (
    Credentials,
    LoginThrottledError,
    MissingCredentialsError,
    NotLoggedInError,
    ShioajiFacade,
    credentials_from_env,
)
from hft.adapters.shioaji.errors import LoginInProgressError
from hft.adapters.shioaji.session import LoginGate, SessionConfig, ShioajiSession, is_ban
from hft.domain.connectivity import (
    SESSION_DOWN,
    SESSION_LOGGED_IN,
    SESSION_LOGIN_BANNED,
    SESSION_LOGIN_FAILED,
    SESSION_RECONNECTED,
    SESSION_RECONNECTING,
)
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade, fake_credentials

SECOND = 1_000_000_000


def _is_up(facade: ShioajiFacade) -> bool:
    return facade.session.connected


def _session(clock: VirtualClock, fake: FakeShioaji, **config: Any) -> ShioajiSession:
    return ShioajiSession(
        lambda simulation: fake, fake_credentials(), clock, SessionConfig(**config), LoginGate()
    )


def test_credentials_come_from_the_environment() -> None:
    """Key pair and optional CA are read by their variable names."""
    env = {
        "SHIOAJI_API_KEY": "k",
        "SHIOAJI_SECRET_KEY": "s",
        "SHIOAJI_CA_PATH": "/ca.pfx",
        "SHIOAJI_CA_PASSWORD": "pw",
    }
    assert credentials_from_env(env) == Credentials("k", "s", "/ca.pfx", "pw", None)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, ("SHIOAJI_API_KEY", "SHIOAJI_SECRET_KEY")),
        ({"SHIOAJI_API_KEY": "k"}, ("SHIOAJI_SECRET_KEY",)),
        (
            {"SHIOAJI_API_KEY": "k", "SHIOAJI_SECRET_KEY": "s", "SHIOAJI_CA_PATH": "/x"},
            ("SHIOAJI_CA_PASSWORD",),
        ),
    ],
)
def test_missing_credentials_are_named(env: dict[str, str], missing: tuple[str, ...]) -> None:
    """What is missing is named exactly, so the CLI can say it."""
    with pytest.raises(MissingCredentialsError) as refused:
        credentials_from_env(env)
    assert refused.value.missing == missing


def test_credentials_never_print_their_secrets() -> None:
    """repr shows only the key's last four characters and never the secret."""
    text = repr(Credentials("abcdefgh1234", "very-secret", "/ca", "pw"))
    assert "very-secret" not in text
    assert "abcdefgh" not in text
    assert "1234" in text


def test_the_fake_refuses_callbacks_before_login_like_the_sdk(fake: FakeShioaji) -> None:
    """Registering a callback before login raises the SDK's AuthError."""
    with pytest.raises(sj.AuthError):
        fake.set_order_callback(lambda state, msg: None)


def test_login_registers_every_callback_after_the_login(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """After start, all quote, order, event and session-down callbacks are set on the client."""
    facade = build_facade(clock, fake)
    facade.start()
    assert sorted(fake.callbacks) == [
        "bidask_fop", "bidask_stk", "event", "order", "session_down", "tick_fop", "tick_stk",
    ]  # fmt: skip
    events = facade.drain_events()
    assert [getattr(e, "state", None) for e in events] == [SESSION_LOGGED_IN]


def test_logins_are_spaced_and_the_client_is_refused_while_down(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """A second login within min spacing is refused locally without reaching the venue."""
    session = _session(clock, fake, min_login_spacing_ns=5 * SECOND)
    session.login()
    session.on_session_down()
    with pytest.raises(NotLoggedInError):
        _ = session.client
    with pytest.raises(LoginThrottledError) as early:
        session.login()
    assert early.value.retry_at_ns == START_NS + 5 * SECOND
    assert fake.login_calls == 1


def test_a_one_minute_ban_is_waited_out_not_retried_in_a_loop(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """After 'log in again in 1 minute', maintain makes no attempt until the cooldown ends."""
    fake.refuse_logins.append(
        sj.AuthError("Too many login requests, please login again in 1 minute")
    )
    session = _session(clock, fake, ban_cooldown_ns=65 * SECOND, min_login_spacing_ns=0)
    with pytest.raises(sj.AuthError):
        session.login()
    for step in range(64):
        session.maintain(START_NS + step * SECOND)
    assert fake.login_calls == 1
    clock.advance_by(65 * SECOND)
    session.maintain(clock.now_ns())
    assert (fake.login_calls, session.connected) == (2, True)
    states = [e.state for e in session.drain_events()]
    assert states == [SESSION_LOGIN_BANNED, SESSION_LOGGED_IN]


def test_session_down_reconnects_after_backoff_and_reregisters(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """Session down -> DOWN event; after the backoff maintain logs in again and re-registers."""
    facade = build_facade(clock, fake)
    facade.start()
    facade.market_data.subscribe(["2330"])
    fake.drop_session()
    fake.wait_idle()
    assert facade.session.connected is False
    fake.callbacks.clear()
    fake.subscriptions.clear()
    facade.maintain(clock.now_ns())
    assert fake.login_calls == 1  # backoff not over yet
    clock.advance_by(facade.session.config.backoff_max_ns)
    facade.maintain(clock.now_ns())
    assert (fake.login_calls, facade.session.reconnects) == (2, 1)
    assert "order" in fake.callbacks
    assert sorted(fake.subscriptions) == [("2330", "bid_ask"), ("2330", "tick")]
    states = [getattr(e, "state", None) for e in facade.drain_events()]
    assert states == [SESSION_LOGGED_IN, SESSION_DOWN, SESSION_LOGGED_IN]


def test_event_codes_12_and_13_are_mapped_to_session_events(
    facade: ShioajiFacade, fake: FakeShioaji
) -> None:
    """12 (reconnecting) takes the session down; 13 (reconnected) brings it back up."""
    facade.drain_events()
    fake.fire_event(12, "reconnecting")
    fake.wait_idle()
    assert _is_up(facade) is False
    fake.fire_event(13, "reconnected")
    fake.fire_event(16, "subscribe ok")
    fake.wait_idle()
    assert _is_up(facade) is True
    states = [getattr(e, "state", None) for e in facade.drain_events()]
    assert states == [SESSION_RECONNECTING, SESSION_RECONNECTED]


def test_a_refused_login_backs_off_exponentially(clock: VirtualClock, fake: FakeShioaji) -> None:
    """Each failed login doubles the wait before the next, and records LOGIN_FAILED."""
    fake.refuse_logins.extend([sj.ShioajiConnectionError("down")] * 3)
    session = _session(clock, fake, min_login_spacing_ns=0, backoff_initial_ns=SECOND)
    waits = []
    with pytest.raises(sj.ShioajiConnectionError):
        session.login()
    for _ in range(2):
        waits.append(session.retry_at_ns - clock.now_ns())
        clock.advance_to(session.retry_at_ns)
        session.maintain(clock.now_ns())
    assert waits == [2 * SECOND, 4 * SECOND]
    assert {e.state for e in session.drain_events()} == {SESSION_LOGIN_FAILED}


def test_only_one_login_runs_at_a_time_per_process() -> None:
    """While a login holds the gate, another is refused at once instead of queueing."""
    gate = LoginGate()
    gate.admit(START_NS, 0, 10)
    with pytest.raises(LoginInProgressError):
        gate.admit(START_NS + SECOND, 0, 10)
    gate.release()
    gate.admit(START_NS + SECOND, 0, 10)
    gate.release()


def test_the_daily_login_budget_is_enforced() -> None:
    """The gate refuses the login past the daily cap until the oldest leaves the 24 h window."""
    gate = LoginGate()
    for i in range(3):
        gate.admit(START_NS + i, 0, 3)
        gate.release()
    with pytest.raises(LoginThrottledError) as spent:
        gate.admit(START_NS + 10, 0, 3)
    assert spent.value.retry_at_ns == START_NS + 86_400 * SECOND


@pytest.mark.parametrize(
    ("message", "banned"),
    [
        ("please login again in 1 minute", True),
        ("登入過於頻繁", True),
        ("Too many requests", True),
        ("invalid api key", False),
    ],
)
def test_ban_messages_are_recognised(message: str, banned: bool) -> None:
    """The venue's stay-away answers are told apart from ordinary failures."""
    assert is_ban(message) is banned


@given(failures=st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=10))
def test_backoff_is_capped_and_monotone_in_failures_property(failures: list[int]) -> None:
    """More failures never mean a shorter wait, and the wait never exceeds the cap."""
    clock = VirtualClock(START_NS)
    session = ShioajiSession(
        lambda simulation: FakeShioaji.__new__(FakeShioaji), fake_credentials(), clock
    )
    waits = []
    for n in sorted(failures):
        session.failures = n
        waits.append(session._backoff_ns())
    assert waits == sorted(waits)
    assert max(waits) <= session.config.backoff_max_ns


def test_a_client_that_cannot_even_be_built_is_a_refused_login(clock: VirtualClock) -> None:
    """sj.Shioaji() touches the network: its failure backs off like any refused login."""

    def unreachable(simulation: bool) -> FakeShioaji:
        raise sj.ShioajiConnectionError("site info unreachable")

    session = ShioajiSession(unreachable, fake_credentials(), clock, SessionConfig(), LoginGate())
    with pytest.raises(sj.ShioajiConnectionError):
        session.login()
    assert (session.failures, session.retry_at_ns) == (1, START_NS + 4 * SECOND)
    assert [e.state for e in session.drain_events()] == [SESSION_LOGIN_FAILED]
