"""Which table each event type feeds, and how an event's fields fill that table's columns.

The declared (column, ClickHouse type) pairs are what the loader writes; a compatibility test
holds them against the bootstrapped schema, so a schema change that drops or retypes one fails.
Every event also goes to `events` (type, version, JSON payload), so no type is unloadable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

STR = "String"
LC = "LowCardinality(String)"
I64 = "Int64"
U64 = "UInt64"
U32 = "UInt32"
U16 = "UInt16"
BOOL = "Bool"
TS = "DateTime64(9, 'UTC')"

HEAD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("log_id", LC),
    ("seq", U64),
    ("ts_event", TS),
    ("ts_init", TS),
)
"""Every loaded table starts with these: (log_id, seq) names the event, times in UTC ns."""


@attrs.frozen
class Col:
    """A column filled from the first of `fields` the event has (`@type`, `@v`, `@payload`,
    `@originator_id`, `@originator_version` are the event's envelope); else its zero value."""

    name: str
    ch_type: str
    fields: tuple[str, ...] = ()
    by_type: tuple[tuple[str, str], ...] = ()
    """(event type, value): a constant for the column when the event is of that type."""

    @property
    def sources(self) -> tuple[str, ...]:
        return self.fields or (self.name,)


@attrs.frozen
class TableSpec:
    """A loaded table: the event type names it takes (empty: every event) and its columns."""

    name: str
    event_types: frozenset[str]
    columns: tuple[Col, ...]
    only_if: str = ""
    """A column that must come out non-empty for the event to get a row here."""

    def takes(self, type_name: str) -> bool:
        return not self.event_types or type_name in self.event_types

    @property
    def written(self) -> tuple[tuple[str, str], ...]:
        return HEAD_COLUMNS + tuple((c.name, c.ch_type) for c in self.columns)


def _types(*names: str) -> frozenset[str]:
    return frozenset(names)


INTENT_TYPES = _types(
    "IntentSubmitted", "IntentDeduplicated", "IntentAccepted", "IntentRejected",
    "IntentDispatched", "IntentAcked", "IntentFilled", "IntentCancelRequested",
    "IntentCancelRejected", "IntentCancelled", "IntentAmended", "IntentAmendRejected",
    "IntentCompleted", "IntentExpired", "IntentOutcomeUnknown", "IntentReconciled",
)  # fmt: skip
POLICY_TYPES = _types(
    "GatewayStarted", "GatewayHalted", "GatewayResumed", "GatewayDegraded", "GatewayRecovered"
)
MODE_AFTER = (
    ("GatewayHalted", "HALT"),
    ("GatewayResumed", "NORMAL"),
    ("GatewayDegraded", "DEGRADED"),
    ("GatewayRecovered", "NORMAL"),
)
"""The policy mode each transition leads to (GatewayStarted keeps the mode it had)."""

_INTENT_ID = ("intent_id", "@originator_id")
_PROMOTION = (
    Col("alpha_id", STR),
    Col("type", LC, ("@type",)),
    Col("actor", STR),
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "events",
        frozenset(),
        (
            Col("type", LC, ("@type",)),
            Col("v", U16, ("@v",)),
            Col("originator_id", STR, ("@originator_id",)),
            Col("originator_version", U64, ("@originator_version",)),
            Col("payload", STR, ("@payload",)),
        ),
    ),
    TableSpec(
        "market_quotes",
        _types("QuoteReceived"),
        (
            Col("symbol", LC),
            *(Col(n, I64) for n in ("bid_px", "bid_qty", "ask_px", "ask_qty")),
            *(Col(n, I64) for n in ("last_px", "last_qty")),
            Col("simtrade", BOOL),
        ),
    ),
    TableSpec(
        "intent_events",
        INTENT_TYPES,
        (
            Col("intent_id", STR, ("@originator_id",)),
            Col("intent_version", U64, ("@originator_version",)),
            Col("type", LC, ("@type",)),
            Col("strategy", LC, ("strategy_id", "strategy")),
            Col("account", LC),
            Col("symbol", LC),
            Col("side", LC),
            Col("price", I64),
            Col("qty", I64),
            Col("reason", LC, ("reason", "status", "action")),
            Col("detail", STR),
            Col("broker_order_id", STR),
        ),
    ),
    TableSpec(
        "orders",
        _types("IntentSubmitted"),
        (
            Col("intent_id", STR, ("@originator_id",)),
            Col("idempotency_key", STR),
            Col("strategy", LC, ("strategy_id", "strategy")),
            Col("account", LC),
            Col("symbol", LC),
            Col("intent_type", LC),
            Col("side", LC),
            Col("price", I64),
            Col("qty", I64),
            Col("tif", LC),
            Col("ttl_ns", I64),
            Col("reduce_only", BOOL),
            Col("target_intent_id", STR),
            Col("trace_id", STR),
        ),
    ),
    TableSpec(
        "fills",
        _types("IntentFilled"),
        (
            Col("intent_id", STR, _INTENT_ID),
            Col("fill_id", STR),
            Col("price", I64),
            Col("qty", I64),
            Col("filled_total", I64),
            Col("leaves", I64),
        ),
    ),
    TableSpec(
        "rejects",
        _types("IntentRejected", "IntentCancelRejected", "IntentAmendRejected"),
        (
            Col("intent_id", STR, _INTENT_ID),
            Col("type", LC, ("@type",)),
            Col("reason", LC),
            Col("detail", STR),
        ),
    ),
    TableSpec(
        "positions",
        _types("ExposureFilled"),
        (
            Col("account", LC),
            Col("strategy", LC, ("strategy", "strategy_id")),
            Col("symbol", LC),
            Col("intent_id", STR),
            Col("side", LC),
            *(Col(n, I64) for n in ("qty", "price", "multiplier")),
            *(Col(n, I64) for n in ("position_qty", "position_cost")),
        ),
    ),
    TableSpec(
        "policy_transitions",
        POLICY_TYPES,
        (
            Col("gateway_id", STR, ("gateway_id", "@originator_id")),
            Col("type", LC, ("@type",)),
            Col("mode", LC, ("mode",), MODE_AFTER),
            Col("reason", LC),
            Col("operator", STR, ("operator", "source")),
        ),
    ),
    TableSpec(
        "alpha_gate_results",
        _types("AlphaGateEvaluated"),
        (
            *_PROMOTION,
            Col("round", U32),
            Col("gate", LC),
            Col("passed", BOOL),
            Col("measures", STR),
        ),
    ),
    TableSpec(
        "promotions",
        _types("AlphaRegistered", "AlphaPromoted", "AlphaWentLive", "AlphaRolledBack"),
        (
            *_PROMOTION,
            Col("from_weight_bps", I64),
            Col("weight_bps", I64),
            Col("reasons", STR),
            Col("config_before_sha256", STR),
            Col("config_after_sha256", STR),
        ),
    ),
    TableSpec(
        "canary_actions",
        _types("AlphaCanaryEscalated", "AlphaCanaryHeld"),
        (*_PROMOTION, Col("from_weight_bps", I64), Col("weight_bps", I64), Col("reasons", STR)),
    ),
    TableSpec(
        "operator_actions",
        POLICY_TYPES,
        (
            Col("target", STR, ("gateway_id", "@originator_id")),
            Col("type", LC, ("@type",)),
            Col("operator", STR, ("operator", "source")),
            Col("reason", STR),
        ),
        only_if="operator",
    ),
)
"""Every table the loader writes, in load order."""

TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)

Extractor = Callable[[Any], Any]
