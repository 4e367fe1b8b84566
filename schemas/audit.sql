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
    actor String,
    round UInt32 COMMENT 'evaluation round of the alpha',
    gate LowCardinality(String) COMMENT 'A..E',
    passed Bool,
    measures String COMMENT 'JSON list of the measured figures and their thresholds',
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
    type LowCardinality(String) COMMENT 'AlphaRegistered, AlphaPromoted, AlphaWentLive, AlphaRolledBack',
    actor String,
    from_weight_bps Int64 COMMENT 'capital weight before the step, basis points',
    weight_bps Int64 COMMENT 'capital weight after the step, basis points',
    reasons String COMMENT 'JSON list of reasons',
    config_before_sha256 String,
    config_after_sha256 String,
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
    type LowCardinality(String) COMMENT 'AlphaCanaryEscalated, AlphaCanaryHeld',
    actor String,
    from_weight_bps Int64 COMMENT 'canary tier before, basis points of capital',
    weight_bps Int64 COMMENT 'canary tier after, basis points of capital',
    reasons String COMMENT 'JSON list of reasons',
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
