"""Holds an embedded ClickHouse database open so no other process can (an outage double).

Run: python -m tests.integration.clickhouse.hold_db DSN. Prints "ready" once it holds the
database, then waits until its stdin closes or it is killed.
"""

from __future__ import annotations

import sys

from hft.app.bootstrap import clickhouse as ch


def main() -> None:
    store = ch.open_store(sys.argv[1])
    store.query("SELECT 1")
    print("ready", flush=True)
    sys.stdin.read()
    store.close()


if __name__ == "__main__":
    main()
