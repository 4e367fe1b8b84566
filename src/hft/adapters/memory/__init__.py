"""In-memory adapters: clocks, id generators, an event log and a lease, for tests and sims.

Each is held to the same contract tests as the real adapter of its port.
"""

from hft.adapters.memory.clock import SequentialIds, SystemClock, VirtualClock
from hft.adapters.memory.event_log import InMemoryEventLog
from hft.adapters.memory.lease import InMemoryLease

__all__ = ["InMemoryEventLog", "InMemoryLease", "SequentialIds", "SystemClock", "VirtualClock"]
