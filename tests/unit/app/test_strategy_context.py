"""What a strategy can cancel: any order it submitted, even one the gateway has not read yet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.app.gateway.core import GatewayConfig
from hft.app.replay import replay_events
from hft.app.strategy import Strategy, StrategyContext, StrategyRouter
from tests.unit.app.harness import PX, Rig, limits

CAPACITY = 8


def _context(rig: Rig) -> StrategyContext:
    return StrategyRouter(rig.gateway).add(Strategy(), "A1")


def test_an_order_cancelled_before_the_gateway_reads_it_is_placed_then_cancelled() -> None:
    """buy() then cancel() in one callback: the cancel follows the order out, both settle."""
    rig = Rig()
    ctx = _context(rig)
    order = ctx.buy("2330", PX, 1)
    assert order is not None
    cancel = ctx.cancel(order)
    assert cancel is not None
    rig.settle()
    assert [o.intent_id for o in rig.broker.placed] == [order]
    assert rig.broker.cancelled == [order]
    assert (rig.status(order), rig.status(cancel)) == ("CANCELLED", "COMPLETED")
    assert replay_events(rig.log.read(1)).violations == ()


def test_an_amend_of_an_unread_order_follows_it_out() -> None:
    """buy() then amend() before any step: the venue gets the place, then the amend."""
    rig = Rig()
    ctx = _context(rig)
    order = ctx.buy("2330", PX, 1)
    assert order is not None
    amend = ctx.amend(order, PX - 50_000, 1)
    assert amend is not None
    rig.settle()
    assert [(i, p and p.scaled) for i, p, _ in rig.broker.amended] == [(order, PX - 50_000)]
    assert rig.status(amend) == "COMPLETED"


def test_cancelling_an_id_never_submitted_is_a_key_error() -> None:
    ctx = _context(Rig())
    with pytest.raises(KeyError, match="unknown intent 'nope'"):
        ctx.cancel("nope")


@given(plan=st.lists(st.integers(0, 12), min_size=1, max_size=40), data=st.data())
def test_every_order_a_strategy_submitted_can_be_named_and_memory_stays_bounded(
    plan: list[int], data: st.DataObject
) -> None:
    """Whatever mix of submissions, cancels and loop turns: every submission the channel took
    can be named by cancel() at once (never a KeyError), and the context remembers at most
    twice the channel's capacity of submissions."""
    rig = Rig(config=GatewayConfig(limits=limits(), channel_capacity=CAPACITY))
    ctx = _context(rig)
    submitted: list[str] = []
    for burst in plan:
        for _ in range(burst):
            order = ctx.buy("2330", PX - 50_000 * (len(submitted) % 3), 1)
            if order is not None:
                submitted.append(order)
            assert len(ctx._queued) <= 2 * CAPACITY  # bounded (every queue is)
        if submitted:
            ctx.cancel(data.draw(st.sampled_from(submitted)))
        rig.gateway.step()
