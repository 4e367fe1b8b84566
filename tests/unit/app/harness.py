"""Builds gateways through the composition root with stubs, and drives them to quiescence."""

from __future__ import annotations

from typing import Any

from hft.adapters.memory import InMemoryEventLog, InMemoryLease, SequentialIds, VirtualClock
from hft.app.bootstrap.session import build_gateway
from hft.app.gateway.core import GatewayConfig
from hft.app.gateway.service import Gateway
from hft.domain.exposure_limits import ExposureLimits
from hft.domain.intent import IntentType, SubmitIntent
from hft.domain.orders import TimeInForce
from hft.domain.values import PRICE_SCALE, Side
from hft.ports.event_log import EventLog
from tests.unit.app.stubs import StaticReference, StubBroker

START_NS = 1_700_000_000 * 10**9
PX = 1_000 * PRICE_SCALE  # 2330 at 1,000 TWD (tick 5 TWD)
LOT_NOTIONAL = PX * 1_000  # one lot of 1,000 shares


def limits(**kw: int) -> ExposureLimits:
    base = {
        "symbol_default": 10 * LOT_NOTIONAL,
        "strategy_default": 20 * LOT_NOTIONAL,
        "global_limit": 30 * LOT_NOTIONAL,
        "max_keys": 64,
    }
    base.update(kw)
    return ExposureLimits(**base)  # type: ignore[arg-type]


class Rig:
    """A gateway over a scripted broker, an in-memory log and a virtual clock."""

    def __init__(
        self,
        *,
        config: GatewayConfig | None = None,
        log: EventLog | None = None,
        broker: StubBroker | None = None,
        lease: InMemoryLease | None = None,
        namespace: str = "",
    ) -> None:
        self.clock = VirtualClock(START_NS)
        self.broker = broker or StubBroker()
        self.log: EventLog = log or InMemoryEventLog()
        self.lease = lease or InMemoryLease("gateway")
        self.gateway: Gateway = build_gateway(
            config or GatewayConfig(limits=limits()),
            broker=self.broker,
            reference=StaticReference(),
            log=self.log,
            clock=self.clock,
            ids=SequentialIds(namespace),
            lease=self.lease,
        )
        self.seen: list[Any] = []
        self.gateway.subscribe(lambda seq, event: self.seen.append(event))
        self.gateway.start()
        self._n = 0

    def intent(self, **kw: Any) -> SubmitIntent:
        self._n += 1
        fields: dict[str, Any] = {
            "intent_id": f"i{self._n}",
            "idempotency_key": f"k{self._n}",
            "strategy_id": "s1",
            "account": "A1",
            "symbol": "2330",
            "intent_type": IntentType.NEW,
            "side": Side.BUY,
            "price": PX,
            "qty": 1,
            "tif": TimeInForce.ROD,
            "ttl_ns": 10**9,
            "trace_id": "t",
            "created_ns": self.clock.now_ns(),
        }
        fields.update(kw)
        return SubmitIntent(**fields)

    def submit(self, **kw: Any) -> SubmitIntent:
        cmd = self.intent(**kw)
        self.gateway.submit(cmd)
        return cmd

    def settle(self, rounds: int = 6) -> None:
        """Run the loop until nothing more happens (reports, dispatches, notices)."""
        for _ in range(rounds):
            self.gateway.step()
            self.gateway.sync()

    def status(self, intent_id: str) -> str:
        return self.gateway.core.state.intents[intent_id].status.value

    def events_named(self, name: str) -> list[Any]:
        return [e.event for e in self.log.read(1) if type(e.event).__name__ == name]

    def exposure_total(self) -> int:
        return self.gateway.core.state.book.total
