"""Any run of drops, reconnect events, refusals and bans: logins stay paced, bans are waited out."""

from __future__ import annotations

import itertools

import shioaji as sj
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji.session import SessionConfig
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade

SECOND = 1_000_000_000
SPACING = 5 * SECOND
COOLDOWN = 65 * SECOND


class RecordingFake(FakeShioaji):
    """The fake venue, noting when each login reached it and which ones it refused as bans."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.login_times: list[int] = []
        self.banned_at: list[int] = []

    def login(self, api_key: str, secret_key: str, subscribe_trade: bool = True) -> list[object]:
        self.login_times.append(self._clock.now_ns())
        if self.refuse_logins and "1 minute" in str(self.refuse_logins[0]):
            self.banned_at.append(self._clock.now_ns())
        return super().login(api_key, secret_key, subscribe_trade)


class SessionLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = VirtualClock(START_NS)
        self.fake = RecordingFake(self.clock)
        config = SessionConfig(min_login_spacing_ns=SPACING, ban_cooldown_ns=COOLDOWN)
        self.facade = build_facade(self.clock, self.fake, session=config)
        self.facade.start()

    @rule(seconds=st.integers(min_value=0, max_value=90))
    def time_passes_and_upkeep_runs(self, seconds: int) -> None:
        self.clock.advance_by(seconds * SECOND)
        self.facade.maintain(self.clock.now_ns())

    @rule()
    def session_drops(self) -> None:
        self.fake.drop_session()
        self.fake.wait_idle()

    @rule(code=st.sampled_from([12, 13]))
    def sdk_reconnect_event(self, code: int) -> None:
        self.fake.fire_event(code)
        self.fake.wait_idle()

    @rule(banned=st.booleans())
    def next_login_is_refused(self, banned: bool) -> None:
        text = "login again in 1 minute" if banned else "connection reset"
        self.fake.refuse_logins.append(sj.AuthError(text))

    @invariant()
    def logins_are_spaced(self) -> None:
        times = self.fake.login_times
        assert all(b - a >= SPACING for a, b in itertools.pairwise(times))

    @invariant()
    def no_login_inside_a_ban(self) -> None:
        for banned in self.fake.banned_at:
            assert not [t for t in self.fake.login_times if banned < t < banned + COOLDOWN]

    @invariant()
    def callbacks_are_set_whenever_the_session_is_up(self) -> None:
        if self.facade.session.connected:
            assert {"order", "tick_stk", "event", "session_down"} <= set(self.fake.callbacks)

    def teardown(self) -> None:
        self.fake.close()


SessionLifecycle.TestCase.settings = settings(stateful_step_count=30, deadline=None)
TestSessionLifecycle = SessionLifecycle.TestCase
