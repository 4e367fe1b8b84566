"""Exposure: reserve against caps, bounded keys, amend by delta, rollback, release."""

from __future__ import annotations

import pytest

from hft.domain.errors import ExposureCapacityExceeded, InvalidValue
from hft.domain.exposure import (
    AmendInFlight,
    ExposureBook,
    ExposureDecision,
    ExposureKey,
    ExposureLimitBreached,
    ExposureLimits,
    ExposureRejection,
    NoPendingAmend,
    ReleaseReason,
    ReservationConflict,
    UnknownReservation,
    decide_amend,
    decide_amend_confirm,
    decide_amend_rollback,
    decide_fill,
    decide_release,
    decide_reserve,
    stale_reservations,
)
from hft.domain.exposure_events import (
    ExposureAmendConfirmed,
    ExposureAmended,
    ExposureAmendRolledBack,
    ExposureFilled,
    ExposureKeyEvicted,
    ExposureReleased,
    ExposureReserved,
)
from hft.domain.reasons import RejectReason
from hft.domain.values import Price, Qty, Side
from tests.unit.domain.exposure_helpers import (
    K2,
    K3,
    K4,
    WIDE,
    K,
    apply,
    events_of,
    fill,
    position,
    reserve,
)

CAPS = ExposureLimits(symbol_default=1000, strategy_default=1500, global_limit=2000, max_keys=3)
EMPTY = ExposureBook()


def attempt(
    book: ExposureBook, key: ExposureKey, amount: int, limits: ExposureLimits = CAPS
) -> ExposureDecision:
    """A buy of one unit for `amount` under a fresh intent id."""
    intent_id = f"probe-{book.version}"
    return decide_reserve(
        book, limits, key, intent_id, amount=amount, side=Side.BUY, qty=1, ts_ns=9
    )


def test_reserve_emits_one_reserved_event_with_every_field() -> None:
    """A first reserve is version 1 of the "exposure" aggregate and names key, side and qty."""
    decision = decide_reserve(EMPTY, CAPS, K, "i-1", amount=700, side=Side.SELL, qty=7, ts_ns=42)
    assert decision == (
        ExposureReserved(
            originator_id="exposure",
            originator_version=1,
            ts_event_ns=42,
            ts_init_ns=42,
            account="acc-1",
            strategy="alpha",
            symbol="2330",
            intent_id="i-1",
            side=Side.SELL,
            qty=7,
            amount=700,
            reducing=False,
        ),
    )


def test_reserve_landing_exactly_on_the_symbol_cap_passes_one_unit_over_fails() -> None:
    """Caps are inclusive: usage 1000 of 1000 passes, 1001 is LIMIT_SYMBOL."""
    book = apply(EMPTY, attempt(EMPTY, K, 1000))
    assert dict(book.by_symbol) == {"2330": 1000}
    assert attempt(EMPTY, K, 1001) == ExposureRejection(RejectReason.LIMIT_SYMBOL, 1000, 1001)
    assert attempt(book, K, 1) == ExposureRejection(RejectReason.LIMIT_SYMBOL, 1000, 1001)


def test_strategy_cap_sums_every_symbol_of_the_strategy() -> None:
    """alpha holds 1000 on 2330 and 500 on 2317: at 1500 it is full, one more unit is refused."""
    book = reserve(EMPTY, K, "a", 1000)
    book = apply(book, attempt(book, K2, 500))
    assert dict(book.by_strategy) == {"alpha": 1500}
    assert attempt(book, K2, 1) == ExposureRejection(RejectReason.LIMIT_STRATEGY, 1500, 1501)
    assert attempt(book, K3, 1) != ExposureRejection(RejectReason.LIMIT_STRATEGY, 1500, 1501)


def test_global_cap_sums_every_key() -> None:
    """2000 in use across two strategies fills the global cap; one more unit is LIMIT_GLOBAL."""
    book = reserve(reserve(EMPTY, K, "a", 1000), K4, "b", 1000)
    assert book.total == 2000
    assert isinstance(attempt(book, K3, 0), tuple)
    assert attempt(book, K3, 1) == ExposureRejection(RejectReason.LIMIT_GLOBAL, 2000, 2001)


def test_the_first_cap_broken_is_named_in_symbol_strategy_global_order() -> None:
    """When several caps break, the rejection names symbol before strategy before global."""
    tight = ExposureLimits(symbol_default=10, strategy_default=10, global_limit=10, max_keys=3)
    assert attempt(EMPTY, K, 11, tight).reason is RejectReason.LIMIT_SYMBOL  # type: ignore[union-attr]
    wide_symbol = ExposureLimits(
        symbol_default=100, strategy_default=10, global_limit=10, max_keys=3
    )
    rejection = attempt(EMPTY, K, 11, wide_symbol)
    assert rejection == ExposureRejection(RejectReason.LIMIT_STRATEGY, 10, 11)


def test_overrides_replace_the_default_cap_for_their_symbol_or_strategy_only() -> None:
    """A symbol override of 50 and a strategy override of 60 bind only those names."""
    limits = ExposureLimits(
        symbol_default=1000,
        strategy_default=1000,
        global_limit=5000,
        max_keys=5,
        symbol_overrides={"2317": 50},
        strategy_overrides={"beta": 60},
    )
    assert limits.symbol_limit("2317") == 50
    assert limits.symbol_limit("2330") == 1000
    assert limits.strategy_limit("beta") == 60
    assert limits.strategy_limit("alpha") == 1000
    assert attempt(EMPTY, K2, 51, limits) == ExposureRejection(RejectReason.LIMIT_SYMBOL, 50, 51)
    assert attempt(EMPTY, K4, 61, limits) == ExposureRejection(RejectReason.LIMIT_STRATEGY, 60, 61)
    assert isinstance(attempt(EMPTY, K, 1000, limits), tuple)


def test_reserve_is_idempotent_for_the_same_intent() -> None:
    """A second reserve of the same intent on the same key and side emits nothing."""
    book = reserve(EMPTY, K, "i-1", 300)
    again = decide_reserve(book, CAPS, K, "i-1", amount=300, side=Side.BUY, qty=1, ts_ns=5)
    assert again == ()
    assert book.total == 300


@pytest.mark.parametrize(("key", "side"), [(K2, Side.BUY), (K, Side.SELL)])
def test_reserve_of_a_held_intent_on_another_key_or_side_is_a_conflict(
    key: ExposureKey, side: Side
) -> None:
    """An intent id reused for a different key or side raises ReservationConflict."""
    book = reserve(EMPTY, K, "i-1", 300)
    with pytest.raises(ReservationConflict, match=r"^intent i-1 already holds Reservation"):
        decide_reserve(book, CAPS, key, "i-1", amount=300, side=side, qty=1, ts_ns=5)


@pytest.mark.parametrize(
    ("amount", "qty", "message"),
    [
        (-1, 1, "amount must be a non-negative int, got -1"),
        (10, 0, "qty must be positive"),
        (10, -2, "qty must be a non-negative int, got -2"),
        (True, 1, "amount must be a non-negative int, got True"),
        (1.0, 1, "amount must be a non-negative int, got 1.0"),
    ],
)
def test_reserve_refuses_negative_or_non_int_amounts_and_non_positive_qty(
    amount: object, qty: int, message: str
) -> None:
    """Bad numbers are InvalidValue naming the field, never a silent zero charge."""
    with pytest.raises(InvalidValue, match=f"^{message}$"):
        decide_reserve(EMPTY, CAPS, K, "i", amount=amount, side=Side.BUY, qty=qty, ts_ns=1)  # type: ignore[arg-type]


def test_a_zero_amount_reserve_passes_at_a_full_cap() -> None:
    """Charging 0 at usage == cap lands exactly on the cap, so it passes."""
    book = reserve(EMPTY, K, "a", 1000)
    assert isinstance(attempt(book, K, 0), tuple)


def test_totals_track_every_key_by_symbol_strategy_and_globally() -> None:
    """Totals per symbol and per strategy are sums of key usages; zero totals are dropped."""
    book = reserve(reserve(reserve(EMPTY, K, "a", 100), K2, "b", 20), K3, "c", 3)
    assert dict(book.by_symbol) == {"2330": 100, "2317": 23}
    assert dict(book.by_strategy) == {"alpha": 120, "beta": 3}
    assert book.total == 123
    book = apply(book, decide_release(book, "b", ReleaseReason.CANCELLED, 3))
    book = apply(book, decide_release(book, "c", ReleaseReason.CANCELLED, 3))
    assert dict(book.by_symbol) == {"2330": 100}
    assert dict(book.by_strategy) == {"alpha": 100}
    assert book.total == 100


def _released(book: ExposureBook, intent_id: str) -> ExposureBook:
    return apply(book, decide_release(book, intent_id, ReleaseReason.EXPIRED, 7))


def test_a_new_key_in_a_full_book_evicts_the_least_recently_touched_zero_balance_key() -> None:
    """K3 then K2 went idle; K4 arrives at max_keys=3: K3 (touched earlier) is evicted."""
    book = reserve(reserve(reserve(EMPTY, K, "live", 5), K3, "x", 5), K2, "y", 5)
    book = _released(_released(book, "x"), "y")
    decision = decide_reserve(book, CAPS, K4, "new", amount=5, side=Side.BUY, qty=1, ts_ns=8)
    evicted, reserved = decision  # type: ignore[misc]
    assert evicted == ExposureKeyEvicted(
        originator_id="exposure",
        originator_version=book.version + 1,
        ts_event_ns=8,
        ts_init_ns=8,
        account=K3.account,
        strategy=K3.strategy,
        symbol=K3.symbol,
    )
    assert isinstance(reserved, ExposureReserved)
    assert reserved.originator_version == book.version + 2
    after = apply(book, decision)
    assert set(after.entries) == {K, K2, K4}


def test_a_full_book_with_no_zero_balance_key_rejects_with_exposure_capacity() -> None:
    """Every key holds something: the fourth key is EXPOSURE_CAPACITY (limit 3, needs 4)."""
    book = reserve(reserve(reserve(EMPTY, K, "a", 1), K2, "b", 1), K3, "c", 1)
    rejection = attempt(book, K4, 1)
    assert rejection == ExposureRejection(RejectReason.EXPOSURE_CAPACITY, 3, 4)
    assert isinstance(attempt(book, K, 1), tuple)  # a key already in the book still fits


def test_a_cap_breach_is_reported_before_a_full_book() -> None:
    """Over a cap and out of keys at once: the cap is named (no eviction is spent on it)."""
    book = reserve(reserve(reserve(EMPTY, K, "a", 1), K2, "b", 1), K3, "c", 1)
    assert attempt(book, K4, 1001) == ExposureRejection(RejectReason.LIMIT_SYMBOL, 1000, 1001)


def test_amend_upward_charges_only_the_delta() -> None:
    """600 held, amended to 1000 under a 1000 cap: only 400 is charged, so it passes."""
    book = reserve(EMPTY, K, "i", 600, qty=6)
    decision = decide_amend(book, CAPS, "i", 1000, 11, new_qty=10)
    assert decision == (
        ExposureAmended(
            originator_id="exposure",
            originator_version=2,
            ts_event_ns=11,
            ts_init_ns=11,
            account="acc-1",
            strategy="alpha",
            symbol="2330",
            intent_id="i",
            delta=400,
            qty_delta=4,
            reducing=False,
        ),
    )
    after = apply(book, decision)
    assert after.total == 1000
    assert after.reservations["i"].amount == 1000
    assert after.reservations["i"].open_qty == 10


def test_amend_one_unit_past_the_cap_is_rejected_naming_the_cap() -> None:
    """600 held, amended to 1001 under a 1000 cap: LIMIT_SYMBOL with usage 1001."""
    book = reserve(EMPTY, K, "i", 600)
    assert decide_amend(book, CAPS, "i", 1001, 11) == ExposureRejection(
        RejectReason.LIMIT_SYMBOL, 1000, 1001
    )


def test_amend_decrease_passes_but_frees_nothing_until_the_venue_confirms() -> None:
    """A decrease at a breached cap passes; the larger order holds until confirmed."""
    tight = ExposureLimits(symbol_default=0, strategy_default=0, global_limit=0, max_keys=3)
    book = reserve(EMPTY, K, "i", 900, qty=9)
    book = apply(book, decide_amend(book, tight, "i", 300, 12, new_qty=3))
    assert book.total == 900
    assert book.entry(K).open_buy_qty == 9
    confirmed = decide_amend_confirm(book, "i", 13)
    assert confirmed == (
        ExposureAmendConfirmed(
            originator_id="exposure",
            originator_version=3,
            ts_event_ns=13,
            ts_init_ns=13,
            account="acc-1",
            strategy="alpha",
            symbol="2330",
            intent_id="i",
            amount=300,
            qty=3,
        ),
    )
    book = apply(book, confirmed)
    assert (book.total, book.entry(K).open_buy_qty, book.entry(K).reserved) == (300, 3, 300)


def test_amend_rollback_restores_the_previous_amount_and_qty_exactly() -> None:
    """Venue refused the amend: the book equals the book before the amend, but for versions."""
    before = reserve(reserve(EMPTY, K2, "other", 77), K, "i", 600, qty=6)
    amended = apply(before, decide_amend(before, CAPS, "i", 950, 20, new_qty=9))
    rollback = decide_amend_rollback(amended, "i", 21)
    assert rollback == (
        ExposureAmendRolledBack(
            originator_id="exposure",
            originator_version=4,
            ts_event_ns=21,
            ts_init_ns=21,
            account="acc-1",
            strategy="alpha",
            symbol="2330",
            intent_id="i",
            amount=600,
            qty=6,
        ),
    )
    after = apply(amended, rollback)
    assert after.reservations == before.reservations
    assert after.by_symbol == before.by_symbol
    assert after.by_strategy == before.by_strategy
    assert after.total == before.total == 677
    assert after.entry(K).reserved == 600
    assert after.entry(K).open_buy_qty == 6


def test_rollback_of_a_decrease_keeps_the_original_charge() -> None:
    """A refused decrease never freed anything, so the 900 stays held."""
    book = reserve(EMPTY, K, "i", 900, qty=9)
    book = apply(book, decide_amend(book, CAPS, "i", 100, 12, new_qty=1))
    book = apply(book, decide_amend_rollback(book, "i", 13))
    assert (book.total, book.reservations["i"].open_qty) == (900, 9)


def test_a_second_amend_before_the_first_is_settled_is_refused() -> None:
    """AmendInFlight while unconfirmed; after the confirm, the next amend is accepted."""
    book = reserve(EMPTY, K, "i", 100)
    book = apply(book, decide_amend(book, CAPS, "i", 200, 2))
    with pytest.raises(AmendInFlight, match=r"^intent i has an unconfirmed amend$"):
        decide_amend(book, CAPS, "i", 300, 3)
    book = apply(book, decide_amend_confirm(book, "i", 4))
    assert (book.reservations["i"].amount, book.total) == (200, 200)
    assert isinstance(decide_amend(book, CAPS, "i", 300, 5), tuple)


def test_settling_an_amend_that_was_never_made_is_a_named_error() -> None:
    """Rollback or confirm with no pending amend: NoPendingAmend; unknown intent: Unknown..."""
    book = reserve(EMPTY, K, "i", 100)
    with pytest.raises(NoPendingAmend, match=r"^intent i has no unconfirmed amend$"):
        decide_amend_rollback(book, "i", 2)
    with pytest.raises(NoPendingAmend):
        decide_amend_confirm(book, "i", 2)
    with pytest.raises(UnknownReservation, match=r"^intent nope holds no exposure reservation$"):
        decide_amend_rollback(book, "nope", 2)
    with pytest.raises(UnknownReservation):
        decide_amend(book, CAPS, "nope", 5, 2)


@pytest.mark.parametrize(
    ("amount", "qty", "message"),
    [
        (-1, None, "new_amount must be a non-negative int, got -1"),
        (10, 0, r"new_qty must be positive \(cancel the order instead\)"),
        (10, -1, "new_qty must be a non-negative int, got -1"),
    ],
)
def test_amend_refuses_a_negative_amount_or_a_non_positive_qty(
    amount: int, qty: int | None, message: str
) -> None:
    """A zero qty is a cancel, not an amend: InvalidValue."""
    book = reserve(EMPTY, K, "i", 100)
    with pytest.raises(InvalidValue, match=f"^{message}$"):
        decide_amend(book, CAPS, "i", amount, 2, new_qty=qty)


def test_release_frees_exactly_what_is_still_held_with_its_reason() -> None:
    """ExposureReleased carries the held amount and reason; the usage drops by that much."""
    book = reserve(reserve(EMPTY, K, "i", 640, qty=4), K2, "j", 10)
    decision = decide_release(book, "i", ReleaseReason.REJECTED, 30)
    assert decision == (
        ExposureReleased(
            originator_id="exposure",
            originator_version=3,
            ts_event_ns=30,
            ts_init_ns=30,
            account="acc-1",
            strategy="alpha",
            symbol="2330",
            intent_id="i",
            amount=640,
            reason=ReleaseReason.REJECTED,
        ),
    )
    after = apply(book, decision)
    assert "i" not in after.reservations
    assert (after.total, after.entry(K).reserved, after.entry(K).open_buy_qty) == (10, 0, 0)


def test_releasing_what_is_not_held_emits_nothing() -> None:
    """A duplicate cancel report (or an unknown intent) releases nothing twice."""
    book = reserve(EMPTY, K, "i", 640)
    book = apply(book, decide_release(book, "i", ReleaseReason.CANCELLED, 2))
    assert decide_release(book, "i", ReleaseReason.CANCELLED, 3) == ()
    assert decide_release(EMPTY, "ghost", ReleaseReason.EXPIRED, 3) == ()


def test_field_note_4_a_reservation_holds_after_dispatch_until_told_otherwise() -> None:
    """Failure 4: the charge stays through later decisions; only a release frees the cap."""
    book = reserve(EMPTY, K, "sent", 1000, limits=CAPS)
    later = apply(
        book, decide_reserve(book, WIDE, K3, "other", amount=1, side=Side.BUY, qty=1, ts_ns=50)
    )
    assert attempt(later, K, 1) == ExposureRejection(RejectReason.LIMIT_SYMBOL, 1000, 1001)
    freed = apply(later, decide_release(later, "sent", ReleaseReason.EXPIRED, 60))
    assert isinstance(attempt(freed, K, 1000), tuple)


def test_field_note_4_an_amend_is_not_charged_its_full_amount() -> None:
    """Failure 4: 900 held, amended to 950 under a 1000 cap passes (full charge would be 1850)."""
    book = reserve(EMPTY, K, "i", 900)
    book = apply(book, decide_amend(book, CAPS, "i", 950, 3))
    assert book.total == 950


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symbol_default": -1}, "exposure limit must be a non-negative int, got -1"),
        ({"strategy_default": -1}, "exposure limit must be a non-negative int, got -1"),
        ({"global_limit": -1}, "exposure limit must be a non-negative int, got -1"),
        ({"max_keys": 0}, "max_keys must be at least 1"),
        ({"max_keys": -1}, "max_keys must be a non-negative int, got -1"),
        ({"symbol_overrides": {"2330": -1}}, "exposure limit must be a non-negative int, got -1"),
        (
            {"strategy_overrides": {"alpha": -2}},
            "exposure limit must be a non-negative int, got -2",
        ),
        ({"global_limit": 1.5}, "exposure limit must be a non-negative int, got 1.5"),
    ],
)
def test_limits_refuse_negative_caps_and_an_empty_book(
    kwargs: dict[str, object], message: str
) -> None:
    """Every cap is a non-negative int and at least one key must fit."""
    base: dict[str, object] = {
        "symbol_default": 1,
        "strategy_default": 1,
        "global_limit": 1,
        "max_keys": 1,
    }
    with pytest.raises(InvalidValue, match=f"^{message}$"):
        ExposureLimits(**{**base, **kwargs})  # type: ignore[arg-type]


def test_zero_caps_and_one_key_are_valid_limits() -> None:
    """The boundary values themselves are accepted."""
    limits = ExposureLimits(symbol_default=0, strategy_default=0, global_limit=0, max_keys=1)
    assert (limits.symbol_limit("x"), limits.max_keys) == (0, 1)


@pytest.mark.parametrize("fields", [("", "s", "x"), ("a", "", "x"), ("a", "s", "")])
def test_an_exposure_key_needs_all_three_names(fields: tuple[str, str, str]) -> None:
    """A blank account, strategy or symbol is InvalidValue."""
    with pytest.raises(InvalidValue, match=r"^exposure key needs account, strategy and symbol: "):
        ExposureKey(*fields)


def test_amend_by_a_single_unit_past_the_cap_is_rejected() -> None:
    """1000 held at a 1000 cap: amending to 1001 (delta 1) is LIMIT_SYMBOL at 1001."""
    book = reserve(EMPTY, K, "i", 1000)
    assert decide_amend(book, CAPS, "i", 1001, 3) == ExposureRejection(
        RejectReason.LIMIT_SYMBOL, 1000, 1001
    )


def test_an_amend_that_adds_nothing_passes_when_usage_is_already_over_the_cap() -> None:
    """Fills at a worse price pushed usage to 2000 of 1000: a same-charge amend still passes."""
    book = reserve(EMPTY, K, "i", 1000, qty=10)
    book = fill(book, "i", Side.BUY, 5, 300)
    assert book.total == 2000
    (amended,) = events_of(decide_amend(book, CAPS, "i", 500, 3, new_qty=4))
    assert isinstance(amended, ExposureAmended)
    assert (amended.delta, amended.qty_delta) == (0, -1)


def test_rollback_of_an_amend_that_stopped_reducing_restores_a_zero_charge() -> None:
    """Long 10, sell 5 reducing (0 held), amended to sell 12 (1200), refused: back to 0 for 5."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s", 500, side=Side.SELL, qty=5)
    book = apply(book, decide_amend(book, WIDE, "s", 1200, 3, new_qty=12))
    assert book.reservations["s"].amount == 1200
    (rolled,) = events_of(decide_amend_rollback(book, "s", 4))
    assert isinstance(rolled, ExposureAmendRolledBack)
    assert (rolled.amount, rolled.qty) == (0, 5)


def test_confirming_an_amend_that_made_the_order_reducing_frees_its_whole_charge() -> None:
    """Long 10, sell 12 charged 1200, amended down to sell 5 (reducing): confirm leaves 0."""
    book = position(EMPTY, K, Side.BUY, 10, 100)
    book = reserve(book, K, "s", 1200, side=Side.SELL, qty=12)
    book = apply(book, decide_amend(book, WIDE, "s", 500, 3, new_qty=5))
    (confirmed,) = events_of(decide_amend_confirm(book, "s", 4))
    assert isinstance(confirmed, ExposureAmendConfirmed)
    assert (confirmed.amount, confirmed.qty) == (0, 5)


def test_confirm_after_fills_never_leaves_a_negative_open_qty_or_charge() -> None:
    """1000 for 10, amended to 500 for 3, then 5 filled: the confirm clamps both at 0."""
    book = reserve(EMPTY, K, "i", 1000, qty=10)
    book = apply(book, decide_amend(book, CAPS, "i", 500, 3, new_qty=3))
    book = fill(book, "i", Side.BUY, 5, 100)
    (confirmed,) = events_of(decide_amend_confirm(book, "i", 4))
    assert isinstance(confirmed, ExposureAmendConfirmed)
    assert (confirmed.amount, confirmed.qty) == (0, 0)


def test_a_refused_amend_after_fills_leaves_nothing_open_and_the_next_fill_frees_the_rest() -> None:
    """1000 for 5 amended to 800 for 10, 8 filled, refused: 200 held for 0 open, then freed."""
    book = reserve(EMPTY, K, "i", 1000, qty=5)
    book = apply(book, decide_amend(book, CAPS, "i", 800, 3, new_qty=10))
    book = fill(book, "i", Side.BUY, 8, 100)
    (rolled,) = events_of(decide_amend_rollback(book, "i", 4))
    assert isinstance(rolled, ExposureAmendRolledBack)
    assert (rolled.amount, rolled.qty) == (200, 0)
    book = apply(book, (rolled,))
    (filled,) = events_of(
        decide_fill(book, "i", side=Side.BUY, qty=Qty(1), price=Price(100), ts_ns=5)
    )
    assert isinstance(filled, ExposureFilled)
    assert (filled.released, filled.closed) == (200, True)


def test_field_note_4_stale_reservations_are_found_by_age_oldest_first() -> None:
    """Failure 4: a reservation whose report never came is listed once it is max_age old."""
    book = EMPTY
    for key, intent_id, ts_ns in ((K, "old", 100), (K2, "new", 300), (K3, "mid", 200)):
        decision = decide_reserve(
            book, WIDE, key, intent_id, amount=100, side=Side.BUY, qty=2, ts_ns=ts_ns
        )
        book = apply(book, decision)
    assert stale_reservations(book, 1_099, 1_000) == ()
    assert stale_reservations(book, 1_100, 1_000) == ("old",)
    assert stale_reservations(book, 1_300, 1_000) == ("old", "mid", "new")
    book = apply(book, decide_amend(book, WIDE, "old", 150, 5_000))
    book = apply(book, decide_amend_confirm(book, "old", 5_001))
    book = fill(book, "mid", Side.BUY, 1, 50)
    assert (book.reservations["old"].reserved_ns, book.reservations["mid"].reserved_ns) == (
        100,
        200,
    )
    for intent_id in stale_reservations(book, 1_300, 1_000):
        book = apply(book, decide_release(book, intent_id, ReleaseReason.EXPIRED, 1_300))
    assert (dict(book.reservations), book.total) == ({}, 50)


def test_a_rejection_turns_into_a_named_error_for_callers_that_raise() -> None:
    """Capacity becomes ExposureCapacityExceeded; a cap breach ExposureLimitBreached."""
    full = ExposureRejection(RejectReason.EXPOSURE_CAPACITY, 3, 4).as_error()
    assert isinstance(full, ExposureCapacityExceeded)
    assert str(full) == "exposure book is full (3 keys)"
    rejection = ExposureRejection(RejectReason.LIMIT_STRATEGY, 1500, 1501)
    breach = rejection.as_error()
    assert isinstance(breach, ExposureLimitBreached)
    assert breach.rejection is rejection
    assert str(breach) == "LIMIT_STRATEGY: usage would be 1501, cap 1500"
