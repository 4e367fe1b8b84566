"""The log against a list: appends, reads from any seq, reopen, and a writer killed without
close (simulated by reopening from a copy of its files), in any order hypothesis finds."""

from __future__ import annotations

import shutil
import tempfile

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hft.adapters.wal import WalLog, verify_log
from tests.integration.wal.helpers import small_config

RECORDS = st.lists(st.binary(max_size=300), min_size=1, max_size=20)


class LogVersusList(RuleBasedStateMachine):
    """Model: the list of records appended so far; seq n holds model[n - 1]."""

    def __init__(self) -> None:
        super().__init__()
        self.base = tempfile.mkdtemp(prefix="wal-stateful-")
        self.directory = f"{self.base}/wal"
        self.log = WalLog.open(self.directory, small_config())
        self.model: list[bytes] = []

    @rule(records=RECORDS)
    def append(self, records: list[bytes]) -> None:
        first, last = self.log.append_records(records)
        assert (first, last) == (len(self.model) + 1, len(self.model) + len(records))
        self.model.extend(records)

    @rule(data=st.data())
    def read_from_any_seq(self, data: st.DataObject) -> None:
        from_seq = data.draw(st.integers(min_value=1, max_value=len(self.model) + 1))
        assert self.log.wait_durable(len(self.model), 30)
        got = list(self.log.read_records(from_seq))
        assert got == list(enumerate(self.model, start=1))[from_seq - 1 :]

    @rule()
    def reopen(self) -> None:
        self.log.close()
        self.log = WalLog.open(self.directory, small_config())
        assert self.log.recovery.clean
        assert self.log.last_seq() == len(self.model)

    @precondition(lambda self: self.model)
    @rule()
    def copy_files_of_a_live_writer_and_open_the_copy(self) -> None:
        """A copy of the directory taken while the writer runs looks like a crash: it opens,
        keeps at least everything durable at the time, and verifies clean afterwards."""
        assert self.log.wait_durable(len(self.model), 30)
        durable = self.log.durable_seq()
        copy = f"{self.base}/copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(self.directory, copy)
        with WalLog.open(copy, small_config()) as crashed:
            assert crashed.last_seq() >= durable
            got = list(crashed.read_records())
        assert got == list(enumerate(self.model, start=1))[: len(got)]
        assert verify_log(copy).problem is None

    @invariant()
    def durable_never_passes_assigned(self) -> None:
        assert self.log.durable_seq() <= self.log.last_seq() == len(self.model)

    def teardown(self) -> None:
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)


LogVersusList.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
test_log_versus_list_stateful = LogVersusList.TestCase
