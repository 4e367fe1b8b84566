"""Exposure: fills move reservations into signed positions; reducing orders; the fold's guards."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from hft.domain.errors import ExposureCapacityExceeded, InvalidTransition
from hft.domain.exposure import (
    ExposureBook,
    ExposureDecision,
    ExposureLimits,
    ReleaseReason,
    ReservationConflict,
    UnknownReservation,
    decide_amend,
    decide_amend_confirm,
    decide_amend_rollback,
    decide_fill,
    decide_release,
    decide_reserve,
    evolve,
    reduces_position,
)
from hft.domain.exposure_book import ExposureEntry
from hft.domain.exposure_events import (
    ExposureAmendConfirmed,
    ExposureFilled,
    ExposureKeyEvicted,
    ExposureReserved,
)
from hft.domain.exposure_settle import position_after
from hft.domain.values import Price, Qty, Side
from tests.unit.domain.exposure_helpers import K2, K3, WIDE, K, apply, fill, position, reserve

EMPTY = ExposureBook()


def test_a_fill_moves_its_pro_rata_share_from_reserved_to_position() -> None:
    """1000 held for 10 @ 100; 3 fill @ 100: 300 leaves the reservation, position 3 costs 300."""
    book = reserve(EMPTY, K, "i", 1000, qty=10)
    decision = decide_fill(book, "i", side=Side.BUY, qty=Qty(3), price=Price(100), ts_ns=5)
    assert decision == (
        ExposureFilled(
            originator_id="exposure",
            originator_version=2,
            ts_event_ns=5,
            ts_init_ns=5,
            account="acc-1",
            strategy="alpha",
            symbol="2330",
            intent_id="i",
            side=Side.BUY,
            qty=3,
            price=100,
            multiplier=1,
            released=300,
            position_qty=3,
            position_cost=300,
            closed=False,
        ),
    )
    book = apply(book, decision)
    entry = book.entry(K)
    assert (entry.reserved, entry.open_buy_qty, entry.position_qty, entry.position_cost) == (
        700,
        7,
        3,
        300,
    )
    assert (book.reservations["i"].amount, book.reservations["i"].open_qty) == (700, 7)
    assert book.total == 1000


def test_the_last_fill_releases_the_remainder_and_closes_the_reservation() -> None:
    """1000 for 3 releases 333, 333, then 334: all of it, nothing left behind by rounding."""
    book = reserve(EMPTY, K, "i", 1000, qty=3)
    released = []
    for _ in range(3):
        (event,) = decide_fill(book, "i", side=Side.BUY, qty=Qty(1), price=Price(300), ts_ns=5)
        assert isinstance(event, ExposureFilled)
        released.append((event.released, event.closed))
        book = evolve(book, event)
    assert released == [(333, False), (333, False), (334, True)]
    assert "i" not in book.reservations
    assert (book.entry(K).reserved, book.entry(K).open_buy_qty) == (0, 0)
    assert book.total == 900


def test_a_fill_at_a_better_price_lowers_usage() -> None:
    """Held 1000 for 10 @ 100, filled 10 @ 90: usage is now the 900 the position cost."""
    book = fill(reserve(EMPTY, K, "i", 1000, qty=10), "i", Side.BUY, 10, 90)
    assert book.total == 900
    assert book.entry(K).position_cost == 900


def test_an_overfill_releases_everything_and_books_the_whole_fill() -> None:
    """Open 2, filled 5: the reservation closes and the position holds all 5."""
    book = fill(reserve(EMPTY, K, "i", 200, qty=2), "i", Side.BUY, 5, 100)
    assert "i" not in book.reservations
    assert (book.entry(K).position_qty, book.entry(K).position_cost, book.total) == (5, 500, 500)


def test_a_futures_fill_counts_the_contract_multiplier() -> None:
    """2 contracts @ 100 with multiplier 200 cost 40,000."""
    book = reserve(EMPTY, K, "i", 40_000, qty=2)
    decision = decide_fill(
        book, "i", side=Side.BUY, qty=Qty(2), price=Price(100), ts_ns=5, multiplier=200
    )
    book = apply(book, decision)
    assert book.entry(K).position_cost == 40_000


def test_sell_fills_build_a_negative_position_with_a_negative_cost() -> None:
    """Short 4 @ 50: position -4, cost -200, usage 200."""
    book = position(EMPTY, K, Side.SELL, 4, 50)
    assert (book.entry(K).position_qty, book.entry(K).position_cost, book.total) == (-4, -200, 200)


@pytest.mark.parametrize(
    ("start", "side", "qty", "cost", "expected"),
    [
        ((0, 0), Side.BUY, 3, 300, (3, 300)),
        ((0, 0), Side.SELL, 3, 300, (-3, -300)),
        ((10, 1000), Side.BUY, 2, 260, (12, 1260)),
        ((10, 1000), Side.SELL, 4, 999, (6, 600)),
        ((10, 1000), Side.SELL, 10, 5, (0, 0)),
        ((2, 200), Side.SELL, 5, 250, (-3, -150)),
        ((-6, -600), Side.BUY, 2, 1, (-4, -400)),
        ((-6, -600), Side.BUY, 8, 160, (2, 40)),
        ((3, 100), Side.SELL, 1, 7, (2, 67)),
    ],
)
def test_position_after_a_fill_keeps_average_cost_and_reopens_past_zero(
    start: tuple[int, int], side: Side, qty: int, cost: int, expected: tuple[int, int]
) -> None:
    """Adding grows qty and cost; reducing takes cost at the average; crossing reopens at price."""
    entry = ExposureEntry(position_qty=start[0], position_cost=start[1])
    after = position_after(entry, side, qty, cost)
    assert after == expected
    assert [type(v) for v in after] == [int, int]  # money never turns into a float


def test_a_fill_that_reduces_a_long_position_uses_average_cost() -> None:
    """Long 10 for 1000, sell 4: long 6 for 600 and usage 600."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s", 0, side=Side.SELL, qty=4)
    book = fill(book, "s", Side.SELL, 4, 120)
    assert (book.entry(K).position_qty, book.entry(K).position_cost, book.total) == (6, 600, 600)


def test_reduces_position_only_when_the_order_brings_size_down_without_crossing() -> None:
    """Long 10: sell 10 reduces, sell 11 crosses, buy adds; a flat key has nothing to reduce."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    assert reduces_position(book, K, Side.SELL, 10) is True
    assert reduces_position(book, K, Side.SELL, 1) is True
    assert reduces_position(book, K, Side.SELL, 11) is False
    assert reduces_position(book, K, Side.BUY, 1) is False
    assert reduces_position(book, K2, Side.SELL, 1) is False
    assert reduces_position(book, K2, Side.BUY, 1) is False
    short = position(EMPTY, K, Side.SELL, 5, 100)
    assert reduces_position(short, K, Side.BUY, 5) is True
    assert reduces_position(short, K, Side.BUY, 6) is False
    assert reduces_position(short, K, Side.SELL, 1) is False


def test_two_reducing_orders_cannot_together_flip_the_position() -> None:
    """Long 10 with sell 6 open: sell 4 still reduces, sell 5 would flip, so it does not."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s1", 600, side=Side.SELL, qty=6)
    assert reduces_position(book, K, Side.SELL, 4) is True
    assert reduces_position(book, K, Side.SELL, 5) is False
    assert reduces_position(book, K, Side.SELL, 5, excluding="s1") is True
    assert reduces_position(book, K, Side.SELL, 5, excluding="ghost") is False
    assert reduces_position(book, K2, Side.SELL, 5, excluding="s1") is False


def test_excluding_an_order_of_the_other_side_or_key_subtracts_nothing() -> None:
    """Only the excluded intent's own open qty on this key and side is left out."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s1", 0, side=Side.SELL, qty=6)
    book = reserve(book, K, "b1", 100, side=Side.BUY, qty=1)
    book = reserve(book, K2, "other", 100, side=Side.SELL, qty=3)
    assert reduces_position(book, K, Side.SELL, 5, excluding="b1") is False
    assert reduces_position(book, K, Side.SELL, 5, excluding="other") is False


def test_a_reducing_order_is_recorded_but_charged_nothing_even_at_a_zero_cap() -> None:
    """Long 10 under caps of 0: selling 10 passes with amount 0 and reducing=True."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    shut = ExposureLimits(symbol_default=0, strategy_default=0, global_limit=0, max_keys=1)
    (event,) = decide_reserve(book, shut, K, "s", amount=1000, side=Side.SELL, qty=10, ts_ns=3)  # type: ignore[misc]
    assert isinstance(event, ExposureReserved)
    assert (event.amount, event.reducing) == (0, True)
    book = evolve(book, event)
    assert (book.entry(K).open_sell_qty, book.total) == (10, 1000)


def test_a_second_sell_that_would_flip_is_charged_its_amount() -> None:
    """Long 10, sell 6 reducing, then sell 6 more: the second is not reducing and costs 600."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s1", 600, side=Side.SELL, qty=6)
    assert book.reservations["s1"].amount == 0
    book = reserve(book, K, "s2", 600, side=Side.SELL, qty=6)
    assert book.reservations["s2"].amount == 600
    assert book.total == 1600


def test_amending_a_reducing_order_past_the_position_starts_charging_it() -> None:
    """Long 10, sell 5 reducing (0 held); amended to sell 12 for 1200: it now charges 1200."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s", 500, side=Side.SELL, qty=5)
    (amended,) = decide_amend(book, WIDE, "s", 1200, 4, new_qty=12)  # type: ignore[misc]
    assert (amended.delta, amended.reducing) == (1200, False)  # type: ignore[union-attr]
    still = decide_amend(book, WIDE, "s", 1000, 4, new_qty=10)
    assert (still[0].delta, still[0].reducing) == (0, True)  # type: ignore[index,union-attr]


def test_a_late_fill_after_release_moves_the_position_when_its_key_is_given() -> None:
    """Released, then filled: released=0, closed=False, and the position still moves."""
    book = reserve(EMPTY, K, "i", 500, qty=5)
    book = apply(book, decide_release(book, "i", ReleaseReason.CANCELLED, 3))
    with pytest.raises(UnknownReservation, match=r"^fill for i: no reservation and no key given$"):
        decide_fill(book, "i", side=Side.BUY, qty=Qty(2), price=Price(100), ts_ns=4)
    decision = decide_fill(book, "i", side=Side.BUY, qty=Qty(2), price=Price(100), ts_ns=4, key=K)
    (event,) = decision
    assert isinstance(event, ExposureFilled)
    assert (event.released, event.closed, event.position_qty) == (0, False, 2)
    book = apply(book, decision)
    assert (book.entry(K).position_cost, book.entry(K).reserved, book.total) == (200, 0, 200)


def test_a_fill_that_contradicts_its_reservation_is_a_conflict() -> None:
    """Wrong side or wrong key for a held intent: ReservationConflict, nothing booked."""
    book = reserve(EMPTY, K, "i", 500, qty=5)
    with pytest.raises(ReservationConflict, match=r"^fill for i \(Side.SELL, None\) does not"):
        decide_fill(book, "i", side=Side.SELL, qty=Qty(1), price=Price(100), ts_ns=4)
    with pytest.raises(ReservationConflict):
        decide_fill(book, "i", side=Side.BUY, qty=Qty(1), price=Price(100), ts_ns=4, key=K2)
    same = decide_fill(book, "i", side=Side.BUY, qty=Qty(1), price=Price(100), ts_ns=4, key=K)
    assert len(same) == 1


def test_a_late_fill_on_an_evicted_key_evicts_another_idle_key_in_a_full_book() -> None:
    """max_keys 2, both idle: a late fill on a third key evicts the older idle one first."""
    limits = ExposureLimits(
        symbol_default=10**6, strategy_default=10**6, global_limit=10**6, max_keys=2
    )
    book = reserve(reserve(EMPTY, K, "a", 5), K2, "b", 5)
    book = apply(book, decide_release(book, "a", ReleaseReason.EXPIRED, 3))
    book = apply(book, decide_release(book, "b", ReleaseReason.EXPIRED, 3))
    decision = decide_fill(
        book, "late", side=Side.SELL, qty=Qty(1), price=Price(9), ts_ns=4, key=K3, limits=limits
    )
    evicted, filled = decision
    assert isinstance(evicted, ExposureKeyEvicted)
    assert (evicted.symbol, evicted.strategy) == (K.symbol, K.strategy)
    assert (evicted.ts_event_ns, evicted.ts_init_ns) == (4, 4)
    assert filled.originator_version == book.version + 2
    assert set(apply(book, decision).entries) == {K2, K3}


def test_a_late_fill_with_no_room_raises_exposure_capacity_exceeded() -> None:
    """Both keys hold exposure: a fill on a third key cannot be placed and says so."""
    limits = ExposureLimits(
        symbol_default=10**6, strategy_default=10**6, global_limit=10**6, max_keys=2
    )
    book = reserve(reserve(EMPTY, K, "a", 5), K2, "b", 5)
    with pytest.raises(ExposureCapacityExceeded, match=r"^no room for .*2317.* keys in use"):
        decide_fill(
            book, "late", side=Side.BUY, qty=Qty(1), price=Price(9), ts_ns=4, key=K3, limits=limits
        )
    room = attrs.evolve(limits, max_keys=3)
    assert (
        len(
            decide_fill(
                book,
                "late",
                side=Side.BUY,
                qty=Qty(1),
                price=Price(9),
                ts_ns=4,
                key=K3,
                limits=room,
            )
        )
        == 1
    )


def test_a_key_with_anything_open_or_held_is_not_zero_balance() -> None:
    """Each balance alone keeps a key from eviction."""
    assert ExposureEntry().zero_balance is True
    for field in ("reserved", "open_buy_qty", "open_sell_qty", "position_qty"):
        assert ExposureEntry(**{field: 1}).zero_balance is False
    assert ExposureEntry(touched=9).zero_balance is True


def test_evolve_refuses_events_out_of_order_or_of_another_aggregate() -> None:
    """A skipped or repeated version, or another originator id, is an InvalidTransition."""
    (event,) = decide_reserve(EMPTY, WIDE, K, "i", amount=1, side=Side.BUY, qty=1, ts_ns=1)  # type: ignore[misc]
    skipped = attrs.evolve(event, originator_version=2)
    with pytest.raises(InvalidTransition) as refused:
        evolve(EMPTY, skipped)
    assert (refused.value.from_, refused.value.event) == ("exposure at version 0", skipped)
    with pytest.raises(InvalidTransition):
        evolve(EMPTY, attrs.evolve(event, originator_version=0))
    with pytest.raises(InvalidTransition):
        evolve(EMPTY, attrs.evolve(event, originator_id="other"))
    assert evolve(EMPTY, event).version == 1


def test_evolve_refuses_to_evict_a_key_that_holds_something_or_is_absent() -> None:
    """An eviction of a busy or unknown key cannot come from a decision: InvalidTransition."""
    book = reserve(EMPTY, K, "i", 5)
    for key in (K, K2):
        evict = ExposureKeyEvicted(
            originator_id="exposure",
            originator_version=2,
            ts_event_ns=1,
            ts_init_ns=1,
            account=key.account,
            strategy=key.strategy,
            symbol=key.symbol,
        )
        with pytest.raises(InvalidTransition) as refused:
            evolve(book, evict)
        assert refused.value.from_ == f"evict of {key} (absent or not zero-balance)"
        assert refused.value.event is evict


def test_evolve_refuses_to_settle_an_amend_that_is_not_pending() -> None:
    """A confirm event with no amend pending is an InvalidTransition."""
    book = reserve(EMPTY, K, "i", 5)
    confirm = ExposureAmendConfirmed(
        originator_id="exposure",
        originator_version=2,
        ts_event_ns=1,
        ts_init_ns=1,
        account=K.account,
        strategy=K.strategy,
        symbol=K.symbol,
        intent_id="i",
        amount=5,
        qty=1,
    )
    with pytest.raises(InvalidTransition) as refused:
        evolve(book, confirm)
    assert (refused.value.from_, refused.value.event) == ("no amend pending", confirm)


def test_pending_buys_count_against_reducing_a_short_position() -> None:
    """Short 10 with buy 6 open: buy 4 reduces, buy 5 would flip."""
    book = position(EMPTY, K, Side.SELL, 10, 100)
    book = reserve(book, K, "b1", 0, side=Side.BUY, qty=6)
    assert reduces_position(book, K, Side.BUY, 4) is True
    assert reduces_position(book, K, Side.BUY, 5) is False


def test_every_event_marks_its_key_as_touched_at_its_version() -> None:
    """LRU order: reserve, amend, settle, fill, late fill and release each touch their key."""
    book = reserve(EMPTY, K, "i", 500, qty=5)
    assert book.entry(K).touched == 1
    steps: list[Callable[[ExposureBook], ExposureDecision]] = [
        lambda b: decide_amend(b, WIDE, "i", 600, 9, new_qty=6),
        lambda b: decide_amend_confirm(b, "i", 9),
        lambda b: decide_amend(b, WIDE, "i", 700, 9, new_qty=7),
        lambda b: decide_amend_rollback(b, "i", 9),
        lambda b: decide_fill(b, "i", side=Side.BUY, qty=Qty(1), price=Price(100), ts_ns=9),
        lambda b: decide_fill(
            b, "late", side=Side.BUY, qty=Qty(1), price=Price(100), ts_ns=9, key=K
        ),
        lambda b: decide_release(b, "i", ReleaseReason.CANCELLED, 9),
    ]
    for step in steps:
        book = reserve(book, K2, f"other-{book.version}", 1)
        book = apply(book, step(book))
        assert book.entry(K).touched == book.version
        assert book.entry(K2).touched == book.version - 1


def test_open_qty_per_side_sums_every_open_order_of_the_key() -> None:
    """Buys 2 + 3 and sells 4 + 5 on one key: open 5 bought, 9 sold; a release takes its own."""
    book = reserve(reserve(EMPTY, K, "b1", 20, qty=2), K, "b2", 30, qty=3)
    book = reserve(
        reserve(book, K, "s1", 40, side=Side.SELL, qty=4), K, "s2", 50, side=Side.SELL, qty=5
    )
    assert (book.entry(K).open_buy_qty, book.entry(K).open_sell_qty) == (5, 9)
    book = apply(book, decide_release(book, "s1", ReleaseReason.CANCELLED, 3))
    assert (book.entry(K).open_buy_qty, book.entry(K).open_sell_qty, book.total) == (5, 5, 100)
