"""The WAL -> ClickHouse loader (ClickHouse is a projection of the log, never its source).

Entry points (in `hft.app.loader.run`): `load_run(run_dir, dsn=None, workers=1) -> LoadResult`
(load everything once, idempotently), `follow_run(...)` (keep loading as the log grows),
`query_run(run_dir, sql)` (read back, e.g. `EXAMPLE_QUERY`), and in `hft.app.loader.status`
`load_status(run_dir) -> LoadStatus` (backlog, lag, throughput, drain ETA).
"""
