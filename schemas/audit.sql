-- Audit tables: who decided what, and why. Loaded from the same WAL as the runtime tables,
-- keyed by (log_id, seq) in ReplacingMergeTree so a reload never duplicates (read with FINAL).
-- No TTL: audit records are kept until an operator archives them on purpose.
-- Statements are append-only (see clickhouse.sql).

-- Alpha promotion gates A..E: one row per gate evaluation.
CREATE TABLE IF NOT EXISTS alpha_gate_results
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    alpha_id String,
    type LowCardinality(String),
    gate LowCardinality(String) COMMENT 'A..E',
    passed Bool,
    detail String COMMENT 'the measured figures and thresholds, as the event states them',
    actor String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (log_id, seq)
SETTINGS non_replicated_deduplication_window = 10000;

-- Promotions, demotions and rollbacks of an alpha.
CREATE TABLE IF NOT EXISTS promotions
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    alpha_id String,
    type LowCardinality(String) COMMENT 'AlphaPromoted, AlphaRolledBack, ...',
    stage LowCardinality(String) COMMENT 'stage after the step',
    actor String,
    reason String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (log_id, seq)
SETTINGS non_replicated_deduplication_window = 10000;

-- Canary tier changes of a promoted alpha.
CREATE TABLE IF NOT EXISTS canary_actions
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    alpha_id String,
    type LowCardinality(String),
    tier LowCardinality(String),
    actor String,
    reason String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (log_id, seq)
SETTINGS non_replicated_deduplication_window = 10000;

-- Operator actions: halt, resume, kill switch, limit changes, with who and why.
CREATE TABLE IF NOT EXISTS operator_actions
(
    log_id LowCardinality(String),
    seq UInt64,
    ts_event DateTime64(9, 'UTC'),
    ts_init DateTime64(9, 'UTC'),
    target String COMMENT 'what was acted on (gateway id, strategy, symbol)',
    type LowCardinality(String) COMMENT 'GatewayHalted, GatewayResumed, ...',
    operator String,
    reason String,
    loaded_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (log_id, seq)
SETTINGS non_replicated_deduplication_window = 10000;
