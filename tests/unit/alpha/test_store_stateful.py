"""Stateful: random promotion commands through the POPO store keep store, fold and audit equal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hft.app.alpha.audit import audit_rows
from hft.app.alpha.store import PromotionStore, store_env, stream_id_for
from hft.app.bootstrap.codec import default_codec
from hft.domain.errors import DomainError
from hft.domain.events import DomainEvent
from hft.domain.gates import GATE_ORDER, Gate, GateVerdict, Measure
from hft.domain.promotion import ConfigChange, project
from hft.domain.promotion_commands import (
    escalate,
    hold,
    promote,
    record_gate,
    register_alpha,
    roll_back,
)

CFG = ConfigChange(before_sha256="b" * 64, after_sha256="a" * 64)


class StoreMachine(RuleBasedStateMachine):
    """The store's folded state equals the fold of every accepted event; audit rows mirror it."""

    def __init__(self) -> None:
        super().__init__()
        self.store = PromotionStore(default_codec(), store_env("popo", Path(".")))
        self.accepted: list[DomainEvent] = []
        self.ts = 0
        self._try(
            lambda: register_alpha(
                None,
                stream_id=stream_id_for("mm"),
                alpha_id="mm",
                kind="rule",
                strategy="p:C",
                spec_sha256="0" * 64,
                artifacts=(),
                ts_ns=0,
            )
        )

    def _try(self, command: Any) -> None:
        self.ts += 1
        try:
            event = command()
        except DomainError:
            return
        self.store.append(event)
        self.accepted.append(event)

    @rule(gate=st.sampled_from(GATE_ORDER), passed=st.booleans())
    def gate(self, gate: Gate, passed: bool) -> None:
        m = Measure(name="m", value=int(passed), threshold=1, rule="eq", unit="bool")
        self._try(
            lambda: record_gate(
                self.store.get("mm"),
                GateVerdict(gate=gate, measures=(m,)),
                input_hashes=(),
                thresholds_version="t",
                ts_ns=self.ts,
            )
        )

    @rule()
    def promote(self) -> None:
        self._try(
            lambda: promote(self.store.get("mm"), tiers_bps=(500, 5_000), config=CFG, ts_ns=self.ts)
        )

    @rule(action=st.sampled_from(["escalate", "hold", "rollback"]))
    def canary(self, action: str) -> None:
        state = self.store.get("mm")
        commands = {
            "escalate": lambda: escalate(state, reasons=("ok",), config=CFG, ts_ns=self.ts),
            "hold": lambda: hold(state, reasons=("wait",), ts_ns=self.ts),
            "rollback": lambda: roll_back(state, reasons=("bad",), config=CFG, ts_ns=self.ts),
        }
        self._try(commands[action])

    @invariant()
    def store_equals_fold_and_audit(self) -> None:
        history = self.store.history("mm")
        assert history == self.accepted
        assert self.store.get("mm") == project(None, self.accepted)
        rows = audit_rows(history)
        assert [(r["seq"], r["ts_event"]) for r in rows] == [
            (e.originator_version, e.ts_event_ns) for e in history
        ]


TestStoreStateful = StoreMachine.TestCase
