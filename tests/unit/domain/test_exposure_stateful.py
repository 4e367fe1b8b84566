"""Stateful property: random reserves, amends, settlements, fills and releases over many keys.

Invariants: no successful charge takes usage past a cap; totals equal the sums over keys;
keys <= max_keys; what each key holds equals what its reservations hold; the fold of every
event emitted so far equals the book.
"""

from __future__ import annotations

from collections import Counter
from itertools import count

import pytest
from hypothesis import event as label
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from hft.domain.errors import ExposureCapacityExceeded
from hft.domain.events import fold
from hft.domain.exposure import (
    AmendInFlight,
    ExposureBook,
    ExposureDecision,
    ExposureKey,
    ExposureLimits,
    ExposureRejection,
    ReleaseReason,
    decide_amend,
    decide_amend_confirm,
    decide_amend_rollback,
    decide_fill,
    decide_release,
    decide_reserve,
    evolve,
)
from hft.domain.exposure_events import ExposureEvent
from hft.domain.reasons import RejectReason
from hft.domain.values import Price, Qty, Side
from tests.strategies import risk


def _caps(limits: ExposureLimits, book: ExposureBook, key: ExposureKey) -> list[tuple[int, int]]:
    return [
        (book.by_symbol.get(key.symbol, 0), limits.symbol_limit(key.symbol)),
        (book.by_strategy.get(key.strategy, 0), limits.strategy_limit(key.strategy)),
        (book.total, limits.global_limit),
    ]


class ExposureMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = ExposureBook()
        self.events: list[ExposureEvent] = []
        self.limits = ExposureLimits(0, 0, 0, 1)
        self.ids = count()
        self.ts = count(1)

    @initialize(limits=risk.limits())
    def set_limits(self, limits: ExposureLimits) -> None:
        self.limits = limits

    def _apply(self, decision: ExposureDecision) -> bool:
        if isinstance(decision, ExposureRejection):
            return False
        for event in decision:
            self.book = evolve(self.book, event)
            self.events.append(event)
        return True

    def _assert_within_caps(self, key: ExposureKey) -> None:
        for used, cap in _caps(self.limits, self.book, key):
            assert used <= cap

    def _assert_rejection_is_true(
        self, rejection: ExposureRejection, key: ExposureKey, charge: int
    ) -> None:
        if rejection.reason is RejectReason.EXPOSURE_CAPACITY:
            assert len(self.book.entries) == self.limits.max_keys
            assert all(not entry.zero_balance for entry in self.book.entries.values())
            return
        names = [RejectReason.LIMIT_SYMBOL, RejectReason.LIMIT_STRATEGY, RejectReason.LIMIT_GLOBAL]
        caps = _caps(self.limits, self.book, key)
        first = next(i for i, (used, cap) in enumerate(caps) if used + charge > cap)
        assert rejection.reason is names[first]
        assert (rejection.limit, rejection.usage_after) == (caps[first][1], caps[first][0] + charge)

    def _pick(self, data: st.DataObject, pending: bool | None = None) -> str:
        held = sorted(
            i
            for i, r in self.book.reservations.items()
            if pending is None or (r.pending_delta is not None) == pending
        )
        return data.draw(st.sampled_from(held))

    @rule(key=risk.keys, amount=risk.amounts, side=risk.sides, qty=risk.qtys)
    def reserve(self, key: ExposureKey, amount: int, side: Side, qty: int) -> None:
        intent_id = f"i{next(self.ids)}"
        decision = decide_reserve(
            self.book,
            self.limits,
            key,
            intent_id,
            amount=amount,
            side=side,
            qty=qty,
            ts_ns=next(self.ts),
        )
        if isinstance(decision, ExposureRejection):
            label(f"reserve rejected {decision.reason.value}")
            self._assert_rejection_is_true(decision, key, amount)
            return
        label(f"reserve emitted {len(decision)} events")
        if self._apply(decision) and self.book.reservations[intent_id].amount:
            self._assert_within_caps(key)

    @precondition(lambda self: self.book.reservations)
    @rule(data=st.data())
    def reserve_again(self, data: st.DataObject) -> None:
        intent_id = self._pick(data)
        held = self.book.reservations[intent_id]
        again = decide_reserve(
            self.book, self.limits, held.key, intent_id, amount=1, side=held.side, qty=1, ts_ns=0
        )
        assert again == ()

    @precondition(lambda self: self.book.reservations)
    @rule(data=st.data(), amount=risk.amounts, qty=st.none() | risk.qtys)
    def amend(self, data: st.DataObject, amount: int, qty: int | None) -> None:
        intent_id = self._pick(data)
        res = self.book.reservations[intent_id]
        if res.pending_delta is not None:
            with pytest.raises(AmendInFlight):
                decide_amend(self.book, self.limits, intent_id, amount, 0, new_qty=qty)
            return
        before = self.book.total
        decision = decide_amend(
            self.book, self.limits, intent_id, amount, next(self.ts), new_qty=qty
        )
        if isinstance(decision, ExposureRejection):
            assert decision.reason is not RejectReason.EXPOSURE_CAPACITY
            return
        self._apply(decision)
        if self.book.total > before:
            self._assert_within_caps(res.key)
        assert self.book.total >= before  # a decrease frees nothing before the venue confirms

    @precondition(
        lambda self: any(r.pending_delta is not None for r in self.book.reservations.values())
    )
    @rule(data=st.data(), confirm=st.booleans())
    def settle_amend(self, data: st.DataObject, confirm: bool) -> None:
        intent_id = self._pick(data, pending=True)
        decide = decide_amend_confirm if confirm else decide_amend_rollback
        before = self.book.total
        self._apply(decide(self.book, intent_id, next(self.ts)))
        assert self.book.total <= before
        assert self.book.reservations[intent_id].pending_delta is None

    @precondition(lambda self: self.book.reservations)
    @rule(data=st.data(), qty=risk.fill_qtys, price=risk.prices)
    def fill(self, data: st.DataObject, qty: Qty, price: Price) -> None:
        intent_id = self._pick(data)
        res = self.book.reservations[intent_id]
        decision = decide_fill(
            self.book, intent_id, side=res.side, qty=qty, price=price, ts_ns=next(self.ts)
        )
        self._apply(decision)
        assert (intent_id in self.book.reservations) is (qty.value < res.open_qty)

    @rule(key=risk.keys, side=risk.sides, qty=risk.fill_qtys, price=risk.prices)
    def late_fill(self, key: ExposureKey, side: Side, qty: Qty, price: Price) -> None:
        intent_id = f"late{next(self.ids)}"
        try:
            decision = decide_fill(
                self.book,
                intent_id,
                side=side,
                qty=qty,
                price=price,
                ts_ns=next(self.ts),
                key=key,
                limits=self.limits,
            )
        except ExposureCapacityExceeded:
            label("late fill found no room")
            assert key not in self.book.entries
            assert all(not entry.zero_balance for entry in self.book.entries.values())
            return
        self._apply(decision)

    @rule(data=st.data(), reason=risk.release_reasons)
    def release(self, data: st.DataObject, reason: ReleaseReason) -> None:
        candidates = [*sorted(self.book.reservations), "never-reserved"]
        intent_id = data.draw(st.sampled_from(candidates))
        held = self.book.reservations.get(intent_id)
        decision = decide_release(self.book, intent_id, reason, next(self.ts))
        before = self.book.total
        self._apply(decision)
        assert intent_id not in self.book.reservations
        assert before - self.book.total == (0 if held is None else held.amount)

    @invariant()
    def totals_are_sums_over_keys(self) -> None:
        by_symbol: Counter[str] = Counter()
        by_strategy: Counter[str] = Counter()
        for key, entry in self.book.entries.items():
            by_symbol[key.symbol] += entry.usage
            by_strategy[key.strategy] += entry.usage
        assert dict(self.book.by_symbol) == {k: v for k, v in by_symbol.items() if v}
        assert dict(self.book.by_strategy) == {k: v for k, v in by_strategy.items() if v}
        assert self.book.total == sum(e.usage for e in self.book.entries.values())

    @invariant()
    def keys_are_bounded(self) -> None:
        assert len(self.book.entries) <= self.limits.max_keys

    @invariant()
    def keys_hold_what_their_reservations_hold(self) -> None:
        held: Counter[ExposureKey] = Counter()
        open_qty: Counter[tuple[ExposureKey, Side]] = Counter()
        for res in self.book.reservations.values():
            assert res.amount >= 0
            assert res.open_qty >= 0
            held[res.key] += res.amount
            open_qty[res.key, res.side] += res.open_qty
        for key, entry in self.book.entries.items():
            assert entry.reserved == held[key]
            assert entry.open_buy_qty == open_qty[key, Side.BUY]
            assert entry.open_sell_qty == open_qty[key, Side.SELL]
            assert entry.position_qty * entry.position_cost >= 0
            assert (entry.position_qty == 0) is (entry.position_cost == 0)

    @invariant()
    def fold_of_the_events_equals_the_book(self) -> None:
        assert fold(evolve, ExposureBook(), self.events) == self.book
        assert self.book.version == len(self.events)


TestExposureStateful = ExposureMachine.TestCase
