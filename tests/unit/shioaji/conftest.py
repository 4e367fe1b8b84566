"""Fixtures for the Shioaji adapter tests: a virtual clock, a fake venue, a facade over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hft.adapters.memory import VirtualClock
from hft.adapters.shioaji import ShioajiFacade
from tests.fakes.fake_shioaji import START_NS, FakeShioaji, build_facade


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START_NS)


@pytest.fixture
def fake(clock: VirtualClock) -> Iterator[FakeShioaji]:
    venue = FakeShioaji(clock)
    yield venue
    venue.close()


@pytest.fixture
def facade(clock: VirtualClock, fake: FakeShioaji) -> ShioajiFacade:
    """A started facade (logged in, contracts loaded) whose SDK calls run on demand."""
    built: ShioajiFacade = build_facade(clock, fake)
    built.start()
    return built
