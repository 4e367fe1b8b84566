"""Recorded ticks: the CSV/Parquet column layout, conversion to scaled ints at the edge, the
named errors for bad input, and replay of the ticks as the venue's market."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given

from hft.adapters.simbroker import (
    BadTickValueError,
    MissingColumnError,
    OffGridPriceError,
    RecordedMarket,
    SimVenue,
    UnlistedSymbolError,
    UnorderedTicksError,
    default_instruments,
    load_ticks,
    rebase_instruments,
)
from hft.domain.market import QuoteReceived
from hft.domain.orders import OrderFilled
from hft.domain.values import PRICE_SCALE, Price, Side
from tests.strategies.sim import INSTRUMENTS, grid_price
from tests.unit.simbroker.helpers import order, twd

HEADER = "ts,symbol,bid_px,bid_qty,ask_px,ask_qty,last_px,last_qty\n"
UNIVERSE = default_instruments()


def write_csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_csv_decimal_prices_and_both_time_forms_load_as_scaled_integers(tmp_path: Path) -> None:
    """Decimal text becomes 1/10,000 integers; ISO times with an offset become UTC ns."""
    path = write_csv(
        tmp_path / "t.csv",
        "1700000000000000000,2330,1080,12,1085,30,1085,2",
        "2023-11-15T06:13:20.5+08:00,TXF,17000,3,17001,4,,",
    )
    first, second = load_ticks(path, UNIVERSE)
    assert (first.ts_ns, first.bid_px, first.ask_px, first.last_qty) == (
        1_700_000_000_000_000_000,
        twd("1080"),
        twd("1085"),
        2,
    )
    assert second.ts_ns == 1_700_000_000_500_000_000  # 06:13:20.5 Taipei is 22:13:20.5 UTC
    assert (second.last_px, second.last_qty, second.bid_px) == (0, 0, twd("17000"))


def test_scaled_integer_columns_are_taken_as_they_are(tmp_path: Path) -> None:
    """`*_px_scaled` columns hold 1/10,000 units already."""
    header = "ts,symbol,bid_px_scaled,bid_qty,ask_px_scaled,ask_qty,last_px_scaled,last_qty\n"
    path = write_csv(tmp_path / "s.csv", "5,0050,605000,1,605500,1,0,0", header=header)
    (tick,) = load_ticks(path, UNIVERSE)
    assert (tick.bid_px, tick.ask_px) == (605_000, 605_500)


@given(grid_price(INSTRUMENTS["2330"]))
def test_any_on_grid_price_written_as_decimal_text_comes_back_exactly(price: Price) -> None:
    """Property: the decimal text of a grid price loads as the same scaled integer."""
    text = f"{price.scaled // PRICE_SCALE}.{price.scaled % PRICE_SCALE:04d}"
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / "p.csv", f"1,2330,{text},1,,0,{text},1")
        (tick,) = load_ticks(path, UNIVERSE)
    assert tick.bid_px == tick.last_px == price.scaled


@pytest.mark.parametrize(
    ("row", "error", "match"),
    [
        ("1,2330,1080.00001,1,1085,1,,", OffGridPriceError, "more than 4 decimals"),
        ("1,2330,1081,1,1085,1,,", OffGridPriceError, "off the grid"),
        ("1,2330,abc,1,1085,1,,", BadTickValueError, "not a number"),
        ("1,2330,1080,-1,1085,1,,", BadTickValueError, "non-negative integer"),
        ("1,2330,1085,1,1080,1,,", BadTickValueError, "crossed"),
        ("2023-11-15T06:13:20,2330,1080,1,1085,1,,", BadTickValueError, "no offset"),
        ("1,9999,1080,1,1085,1,,", UnlistedSymbolError, "9999"),
    ],
)
def test_bad_rows_raise_a_named_error_that_names_the_row(
    tmp_path: Path, row: str, error: type[Exception], match: str
) -> None:
    """Each kind of bad value has its own TickDataError subclass and points at row 2."""
    path = write_csv(tmp_path / "bad.csv", "1,2330,1080,1,1085,1,,", row)
    with pytest.raises(error, match=match) as caught:
        load_ticks(path, UNIVERSE)
    assert "row 2" in str(caught.value)


def test_rows_going_back_in_time_are_refused(tmp_path: Path) -> None:
    """Ticks must be in non-decreasing time."""
    path = write_csv(tmp_path / "o.csv", "5,2330,1080,1,1085,1,,", "4,2330,1080,1,1085,1,,")
    with pytest.raises(UnorderedTicksError):
        load_ticks(path, UNIVERSE)


def test_missing_columns_and_other_file_types_are_refused(tmp_path: Path) -> None:
    """A file without a price column, or not .csv/.parquet, is a named error."""
    path = write_csv(tmp_path / "m.csv", "1,2330", header="ts,symbol\n")
    with pytest.raises(MissingColumnError, match="bid_px"):
        load_ticks(path, UNIVERSE)
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        load_ticks(tmp_path / "ticks.json", UNIVERSE)


def test_parquet_with_timestamps_floats_decimals_and_text_loads(tmp_path: Path) -> None:
    """Parquet tz timestamps, float, decimal and string prices all convert exactly."""
    table = pa.table(
        {
            "ts": pa.array([1_000, 2_000], type=pa.timestamp("ns", tz="UTC")),
            "symbol": ["2330", "2330"],
            "bid_px": pa.array([1080.0, 1075.0], type=pa.float64()),
            "bid_qty": [5, 6],
            "ask_px": pa.array([Decimal("1085.0"), Decimal("1080.0")], type=pa.decimal128(9, 2)),
            "ask_qty": [7, 8],
            "last_px": ["1085", ""],
            "last_qty": [1, 0],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    ticks = load_ticks(tmp_path / "t.parquet", UNIVERSE)
    assert [(t.ts_ns, t.bid_px, t.ask_px, t.last_px) for t in ticks] == [
        (1_000, twd("1080"), twd("1085"), twd("1085")),
        (2_000, twd("1075"), twd("1080"), 0),
    ]


def test_parquet_float_prices_off_the_grid_are_refused(tmp_path: Path) -> None:
    """A float that does not sit on the tick grid is an OffGridPriceError, not rounded."""
    table = pa.table(
        {"ts": [1], "symbol": ["2330"], "bid_px": [1080.3], "ask_px": [1085.0], "last_px": [0.0]}
    )
    pq.write_table(table, tmp_path / "f.parquet")
    with pytest.raises(OffGridPriceError, match="row 1"):
        load_ticks(tmp_path / "f.parquet", UNIVERSE)


def test_naive_parquet_timestamps_are_refused(tmp_path: Path) -> None:
    """A timestamp column without a time zone is ambiguous and refused."""
    table = pa.table(
        {
            "ts": pa.array([dt.datetime(2026, 1, 2, 9, 0)], type=pa.timestamp("us")),  # noqa: DTZ001 - the point of the test
            "symbol": ["2330"],
            "bid_px": ["1080"],
            "ask_px": ["1085"],
            "last_px": [""],
        }
    )
    pq.write_table(table, tmp_path / "n.parquet")
    with pytest.raises(BadTickValueError, match="time zone"):
        load_ticks(tmp_path / "n.parquet", UNIVERSE)


def test_recorded_ticks_drive_quotes_and_their_prints_fill_resting_orders(tmp_path: Path) -> None:
    """Replayed rows become quotes at their times; a print at our bid fills us after the
    queue ahead; instruments are re-based so the recorded prices are inside the limits."""
    path = write_csv(
        tmp_path / "r.csv",
        "1000,2317,150,10,150.5,10,,",
        "2000,2317,150,10,150.5,10,150,12",
        "3000,2317,149.5,10,150,10,,",
    )
    ticks = load_ticks(path, UNIVERSE)
    instruments = rebase_instruments(UNIVERSE, ticks)
    assert instruments["2317"].reference == Price(twd("150"))
    venue = SimVenue(instruments=instruments, market=RecordedMarket(ticks), start_ns=999)
    venue.feed.subscribe(["2317"])
    venue.advance(1_000)
    venue.broker.place(order("r1", Side.BUY, 5, "150", symbol="2317"))
    fills = [r for r in venue.broker.poll(2_000) if isinstance(r, OrderFilled)]
    assert [f.qty.value for f in fills] == [2]  # 10 ahead of us, then 2 of our 5
    quotes = [q for q in venue.feed.poll(3_000) if isinstance(q, QuoteReceived)]
    assert [(q.ts_event_ns, q.bid_px, q.last_px, q.last_qty) for q in quotes] == [
        (1_000, twd("150"), 0, 0),
        (2_000, twd("150"), twd("150"), 12),
        (3_000, twd("149.5"), twd("150"), 13),  # the bid at 150 traded away: ours too
    ]
    last = [r for r in venue.broker.poll(3_000) if isinstance(r, OrderFilled)]
    assert [f.qty.value for f in last] == [3]
    assert venue.next_event_ns() is None  # the recording is over and nothing is in flight


def test_ticks_older_than_the_start_are_stamped_at_the_start_never_back_in_time(
    tmp_path: Path,
) -> None:
    """A venue started after the first rows replays them at its start time."""
    path = write_csv(tmp_path / "early.csv", "10,2330,1080,1,1085,1,,", "20,2330,1080,1,1085,1,,")
    ticks = load_ticks(path, UNIVERSE)
    venue = SimVenue(instruments=UNIVERSE, market=RecordedMarket(ticks), start_ns=15)
    venue.feed.subscribe(["2330"])
    quotes = venue.feed.poll(30)
    assert [q.ts_event_ns for q in quotes] == [15, 20]
