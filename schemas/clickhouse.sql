-- Runtime tables: a projection of the write-ahead log, never the source of truth.
--
-- Conventions (every table):
--   * (log_id, seq) names one WAL event everywhere. Tables are ReplacingMergeTree keyed by it
--     (plus leading columns for locality), so loading a segment twice leaves one row per event
--     after merges; queries that must be exact read with FINAL. Loader inserts also carry
--     deterministic insert_deduplication_token values (non_replicated_deduplication_window).
--   * Prices are Int64 scaled integers: price x 10,000 (PRICE_SCALE). Quantities are Int64 in
--     the instrument's unit (shares, lots or contracts). Money never travels as a float.
--   * Timestamps are DateTime64(9, 'UTC'): ts_event = when the fact became true (exchange time
--     for quotes), ts_init = when our system built the event.
--   * The TTL counts from loaded_at (load time), not from ts_event: a replay of an old session
--     must not be expired the moment it arrives.
--   * Statements are append-only: the ledger refuses an edited statement that was applied.
--     A change is a new statement at the end (ALTER TABLE ... ADD COLUMN ...).

-- Every event, whatever its type: the safety net that makes no event type unloadable.
CREATE TABLE IF NOT EXISTS events
(
    log_id LowCardinality(String) COMMENT 'WAL identity; (log_id, seq) names one event',
    seq UInt64 COMMENT 'WAL sequence number: global, gapless, strictly increasing per log',
    type LowCardinality(String) COMMENT 'stable event type name from the registry',
    v UInt16 COMMENT 'event schema version',
    originator_id String COMMENT 'aggregate id (intent id, symbol, gateway id)',
    originator_version UInt64 COMMENT 'aggregate version: event_id = originator_id#version',
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    payload String CODEC(ZSTD(3)) COMMENT 'the event as JSON {"type","v",...fields}; prices x 10,000',
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, seq)
TTL loaded_at + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000
COMMENT 'every WAL event; JSONExtract(payload, ...) reaches any field';

-- Market data: top of book and trades (QuoteReceived).
CREATE TABLE IF NOT EXISTS market_quotes
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC') COMMENT 'exchange time',
    ts_init DateTime64(9, 'UTC') COMMENT 'receipt time',
    symbol LowCardinality(String),
    bid_px Int64 COMMENT 'price x 10,000 (PRICE_SCALE); 0 = no bid',
    bid_qty Int64,
    ask_px Int64 COMMENT 'price x 10,000 (PRICE_SCALE); 0 = no ask',
    ask_qty Int64,
    last_px Int64 COMMENT 'price x 10,000 (PRICE_SCALE); 0 = no trade',
    last_qty Int64,
    simtrade Bool COMMENT 'trial-match tick published before an auction: not a trade',
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (symbol, ts_event, log_id, seq)
TTL loaded_at + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Order intents and every event of their lifecycle (submitted ... filled | cancelled | ...).
-- Columns an event does not carry are empty/0 (only IntentSubmitted names strategy, symbol...).
CREATE TABLE IF NOT EXISTS intent_events
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    intent_id String,
    intent_version UInt64 COMMENT 'position of this event in the intent lifecycle (1 = submitted)',
    type LowCardinality(String) COMMENT 'IntentSubmitted, IntentAccepted, IntentFilled, ...',
    strategy LowCardinality(String),
    account LowCardinality(String),
    symbol LowCardinality(String),
    side LowCardinality(String) COMMENT 'B or S; empty when the event does not say',
    price Int64 COMMENT 'price x 10,000 (PRICE_SCALE); 0 = none (market order or not stated)',
    qty Int64,
    reason LowCardinality(String) COMMENT 'RejectReason value or expiry reason, if any',
    detail String,
    broker_order_id String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, intent_id, seq)
TTL loaded_at + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Orders as requested: one row per submitted intent (IntentSubmitted), with its terms.
CREATE TABLE IF NOT EXISTS orders
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    intent_id String,
    idempotency_key String,
    strategy LowCardinality(String),
    account LowCardinality(String),
    symbol LowCardinality(String),
    intent_type LowCardinality(String) COMMENT 'NEW, AMEND, CANCEL, FORCE_FLAT',
    side LowCardinality(String) COMMENT 'B or S',
    price Int64 COMMENT 'limit price x 10,000 (PRICE_SCALE); 0 = market order',
    qty Int64,
    tif LowCardinality(String) COMMENT 'ROD, IOC, FOK',
    ttl_ns Int64,
    reduce_only Bool,
    target_intent_id String COMMENT 'for AMEND and CANCEL: the intent acted on',
    trace_id String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, intent_id, seq)
TTL loaded_at + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Executions (IntentFilled). fill_id is unique per venue execution; join orders on intent_id
-- for symbol, side and strategy.
CREATE TABLE IF NOT EXISTS fills
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    intent_id String,
    fill_id String,
    price Int64 COMMENT 'fill price x 10,000 (PRICE_SCALE)',
    qty Int64,
    filled_total Int64 COMMENT 'filled so far for the intent, after this fill',
    leaves Int64 COMMENT 'still open after this fill',
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, intent_id, seq)
TTL loaded_at + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Rejections by the gateway or the venue (IntentRejected, IntentCancelRejected,
-- IntentAmendRejected), with their reason.
CREATE TABLE IF NOT EXISTS rejects
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    intent_id String,
    type LowCardinality(String),
    reason LowCardinality(String) COMMENT 'RejectReason value: HALT, LIMIT_SYMBOL, ...',
    detail String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, reason, seq)
TTL loaded_at + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Position snapshots: the (account, strategy, symbol) position after every fill
-- (ExposureFilled). position_cost is signed notional at average cost, x 10,000.
CREATE TABLE IF NOT EXISTS positions
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    account LowCardinality(String),
    strategy LowCardinality(String),
    symbol LowCardinality(String),
    intent_id String,
    side LowCardinality(String) COMMENT 'side of the fill: B or S',
    qty Int64 COMMENT 'filled quantity of this fill',
    price Int64 COMMENT 'fill price x 10,000 (PRICE_SCALE)',
    multiplier Int64 COMMENT 'contract multiplier (1 for stocks)',
    position_qty Int64 COMMENT 'signed position after the fill: + long',
    position_cost Int64 COMMENT 'signed cost of the position x 10,000 (PRICE_SCALE)',
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, account, strategy, symbol, seq)
TTL loaded_at + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Gateway policy transitions: NORMAL / DEGRADED / HALT, with the latched reason.
CREATE TABLE IF NOT EXISTS policy_transitions
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    gateway_id String,
    type LowCardinality(String) COMMENT 'GatewayHalted, GatewayResumed, ...',
    mode LowCardinality(String) COMMENT 'mode after the transition, when the event states it',
    reason LowCardinality(String),
    operator String COMMENT 'who, for operator-initiated transitions',
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts_event)
ORDER BY (log_id, seq)
TTL loaded_at + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Latency of every event: from the fact (ts_event) to our system building it (ts_init).
-- For quotes that is exchange-to-receipt; for intents, decision time.
CREATE VIEW IF NOT EXISTS latency AS
SELECT
    log_id,
    seq,
    type,
    originator_id,
    ts_event,
    toUnixTimestamp64Nano(ts_init) - toUnixTimestamp64Nano(ts_event) AS latency_ns
FROM events FINAL;

-- Per-intent stage latencies in nanoseconds from submission (NULL when a stage never happened).
CREATE VIEW IF NOT EXISTS intent_latency AS
SELECT
    log_id,
    intent_id,
    minIf(toUnixTimestamp64Nano(ts_event), type = 'IntentSubmitted') AS submitted_ns,
    nullIf(minIf(toUnixTimestamp64Nano(ts_event), type = 'IntentDispatched'), 0) - submitted_ns
        AS to_dispatch_ns,
    nullIf(minIf(toUnixTimestamp64Nano(ts_event), type = 'IntentAcked'), 0) - submitted_ns
        AS to_ack_ns,
    nullIf(minIf(toUnixTimestamp64Nano(ts_event), type IN ('IntentFilled', 'IntentPartiallyFilled')), 0)
        - submitted_ns AS to_first_fill_ns
FROM intent_events FINAL
GROUP BY log_id, intent_id;

-- PnL per (log, account, strategy, symbol), marked at the last fill price. Money columns are
-- x 10,000 (PRICE_SCALE) and include the contract multiplier; fees are not modelled here.
-- pnl_scaled = all cash flows + the position marked (realized + unrealized);
-- unrealized_scaled = the position marked - its cost at average price.
CREATE VIEW IF NOT EXISTS pnl AS
SELECT
    log_id,
    account,
    strategy,
    symbol,
    argMax(position_qty, seq) AS net_position,
    argMax(price, seq) AS last_price,
    any(multiplier) AS contract_multiplier,
    sum(if(side = 'B', -price * qty * multiplier, price * qty * multiplier)) AS cash_scaled,
    cash_scaled + net_position * last_price * contract_multiplier AS pnl_scaled,
    argMax(position_cost, seq) AS position_cost_scaled,
    net_position * last_price * contract_multiplier - position_cost_scaled AS unrealized_scaled,
    count() AS fills,
    max(ts_event) AS last_fill_ts
FROM positions FINAL
GROUP BY log_id, account, strategy, symbol;
