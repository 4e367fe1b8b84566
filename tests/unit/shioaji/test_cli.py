"""`hft shioaji check` and `hft bench shioaji` as a user runs them (no network anywhere)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest
import shioaji as sj
from click.testing import CliRunner

from hft.adapters.memory import VirtualClock
from hft.app.cli.main import cli
from hft.app.cli.shioaji import health_table, run_check
from hft.app.heap import stop_freezing
from tests.fakes.fake_shioaji import FakeShioaji, build_facade
from tests.fixtures import shioaji_payloads as p

CREDENTIAL_VARS = (
    "SHIOAJI_API_KEY",
    "SHIOAJI_SECRET_KEY",
    "SHIOAJI_CA_PATH",
    "SHIOAJI_CA_PASSWORD",
)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_credentials")
def test_check_without_credentials_names_what_is_missing_and_exits_2() -> None:
    """No key pair in the environment: both variables are named and the exit code is 2."""
    result = CliRunner().invoke(cli, ["shioaji", "check"])
    assert result.exit_code == 2
    assert "SHIOAJI_API_KEY, SHIOAJI_SECRET_KEY" in result.output


def test_check_with_a_ca_path_but_no_password_names_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An incomplete CA configuration is a configuration error too."""
    monkeypatch.setenv("SHIOAJI_API_KEY", "k")
    monkeypatch.setenv("SHIOAJI_SECRET_KEY", "s")
    monkeypatch.setenv("SHIOAJI_CA_PATH", "/nowhere/ca.pfx")
    monkeypatch.delenv("SHIOAJI_CA_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["shioaji", "check", "--json"])
    assert result.exit_code == 2
    assert "SHIOAJI_CA_PASSWORD" in result.output


def test_check_logs_in_subscribes_and_reports_quotes(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """Over the fake venue: contracts load, quotes arrive, every part is up, session logs out."""
    facade = build_facade(clock, fake)

    def sleep(seconds: float) -> None:
        fake.push_quote("tick_stk", p.tick_stk(close="1000"))
        fake.wait_idle()
        clock.advance_by(int(seconds * 1_000_000_000))

    result = run_check(facade, "2330", 1.0, clock.now_ns, sleep)
    assert (result.ok, result.contracts, result.quotes, result.warnings) == (True, 2, 5, ())
    assert result.health is not None
    assert result.health.component("quotes").connected is True
    assert fake.logged_in is False
    rendered = json.loads(json.dumps(result.as_dict()))
    assert rendered["ok"] is True
    assert [c["name"] for c in rendered["health"]["components"]] == [
        "session", "contracts", "quotes", "orders", "account",
    ]  # fmt: skip
    assert health_table(result).row_count == 5


def test_check_reports_a_refused_login_as_a_problem(clock: VirtualClock, fake: FakeShioaji) -> None:
    """A venue refusal is the check's finding, with the venue's words, not a crash."""
    fake.refuse_logins.append(sj.TokenError("invalid api key"))
    result = run_check(build_facade(clock, fake), "2330", 1.0, clock.now_ns, lambda s: None)
    assert result.ok is False
    assert result.problems == ("login failed: TokenError: invalid api key",)


def test_check_warns_when_the_market_is_silent_and_fails_on_an_unknown_symbol(
    clock: VirtualClock, fake: FakeShioaji
) -> None:
    """No quote is a warning (market closed); a symbol that is not listed is a problem."""

    def sleep(seconds: float) -> None:
        clock.advance_by(int(seconds * 1_000_000_000))

    result = run_check(build_facade(clock, fake), "9999", 0.5, clock.now_ns, sleep)
    assert result.problems == ("symbol 9999 is not among the 2 loaded contracts",)
    assert result.warnings == ("no quote for 9999 in 0.5 s (market closed?)",)


@pytest.fixture
def thawed_afterwards() -> Iterator[None]:
    """The bench freezes the heap as `hft live` does; give the test process its heap back."""
    yield
    stop_freezing()
    gc.unfreeze()


@pytest.mark.usefixtures("thawed_afterwards")
def test_bench_prints_one_json_object_with_the_measured_figures() -> None:
    """`hft bench shioaji` runs offline on real ticks and reports rate and percentiles, with
    the start-up heap frozen as in `hft live`."""
    result = CliRunner().invoke(cli, ["bench", "shioaji", "--ticks", "2000", "--rounds", "2"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert (figures["ticks"], figures["rounds"]) == (2000, 2)
    assert 0 < figures["bidask_p50_us"] <= figures["bidask_p99_us"] <= figures["bidask_max_us"]
    assert figures["event_only_per_s"] > 0
    assert figures["rate_ratio_to_event_only"] > 0
    assert figures["gc"]["frozen"] is True
    assert figures["target"] == {"p99_us_max": 10, "ticks_per_s_min": 200_000}
    assert figures["dropped"] == 0
    assert figures["rejected"] == 0
    assert figures["ticks_per_s"] > 0
    assert 0 < figures["p50_us"] <= figures["p99_us"] <= figures["max_us"]


def test_bench_refuses_zero_rounds_as_a_usage_error() -> None:
    """`--rounds 0` measures nothing: exit 2 with click's message, no JSON."""
    result = CliRunner().invoke(cli, ["bench", "shioaji", "--rounds", "0"])
    assert result.exit_code == 2
    assert "--rounds" in result.output
