"""Fixtures for ClickHouse tests: a fresh embedded database per test, closed afterwards.

chdb hosts one database directory per process at a time, so every store is closed at the end
of its test before the next test opens its own directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hft.app.bootstrap import clickhouse as ch


@pytest.fixture
def chdb_dsn(tmp_path: Path) -> str:
    return ch.embedded_dsn(tmp_path)


@pytest.fixture
def store(chdb_dsn: str) -> Iterator[ch.ClickHouseStore]:
    """An embedded store with both schema files applied."""
    opened = ch.open_store(chdb_dsn)
    ch.schema_migrator(opened).apply()
    yield opened
    opened.close()
