"""The WAL -> ClickHouse loader (ClickHouse is a projection of the log, never its source).

Entry points: `load_run(run_dir, dsn=None, workers=1) -> LoadResult` (load everything once,
idempotently), `follow_run(...)` (keep loading as the log grows), `load_status(...)` (backlog,
lag, throughput), and `EXAMPLE_QUERY` (a query to show after a load).
"""
