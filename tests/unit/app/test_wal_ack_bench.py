"""The ack bench's arithmetic: each event is acked by the first publish that covers it, and
its latency counts from its scheduled send time and, separately, from its append."""

from __future__ import annotations

from hft.app.cli.wal_ack_bench import _latencies, _Schedule


def test_each_event_is_acked_by_the_first_publish_covering_it() -> None:
    """Events 1-2 are covered by the publish of 2 at 5,000 ns, event 3 by the publish of 4
    at 9,000 ns (the later publish of 4 does not count); latencies are in microseconds."""
    schedule = _Schedule(3)
    schedule.due[1:] = [1_000, 2_000, 3_000]
    schedule.sent[1:] = [1_500, 2_000, 4_000]
    from_schedule, from_append = _latencies([(2, 5_000), (4, 9_000), (4, 9_500)], schedule, 3)
    assert from_schedule == [4.0, 3.0, 6.0]
    assert from_append == [3.5, 3.0, 5.0]
