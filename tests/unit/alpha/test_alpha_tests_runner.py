"""Gate B's test runner: the alpha's own tests in a subprocess, counted, with a timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from hft.app.alpha.smoke import run_alpha_tests


def write_tests(directory: Path, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test_alpha.py").write_text(body)
    return directory


def test_failures_are_counted(tmp_path: Path) -> None:
    """One passing and one failing test: two ran, one failed, and the output says why."""
    tests = write_tests(
        tmp_path / "t",
        "def test_ok():\n    assert True\n\ndef test_bad():\n    assert 1 == 2\n",
    )
    report = run_alpha_tests(tests, timeout_s=300)
    assert (report.ran, report.failed, report.timed_out) == (2, 1, False)
    assert "1 failed" in report.output_tail


def test_a_hanging_suite_times_out(tmp_path: Path) -> None:
    """A suite that outlives the timeout is reported as timed out with nothing counted."""
    tests = write_tests(tmp_path / "t", "import time\n\ndef test_hang():\n    time.sleep(600)\n")
    report = run_alpha_tests(tests, timeout_s=2)
    assert (report.ran, report.failed, report.timed_out) == (0, 0, True)


def test_a_missing_directory_is_zero_tests(tmp_path: Path) -> None:
    """No tests directory means zero tests ran (Gate B then fails on tests_ran)."""
    report = run_alpha_tests(tmp_path / "absent", timeout_s=300)
    assert (report.ran, report.failed, report.timed_out) == (0, 0, False)


def test_the_suite_runs_as_a_session_of_its_own_inside_a_parallel_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from inside a pytest-xdist worker, the alpha's suite does not see the worker's
    markers (plugins would treat it as a worker too)."""
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    monkeypatch.setenv("HFT_KEPT_FOR_THE_SUITE", "yes")
    tests = write_tests(
        tmp_path / "t",
        "import os\n\ndef test_env():\n"
        "    assert 'PYTEST_XDIST_WORKER' not in os.environ\n"
        "    assert 'PYTEST_XDIST_WORKER_COUNT' not in os.environ\n"
        "    assert os.environ['HFT_KEPT_FOR_THE_SUITE'] == 'yes'\n",
    )
    report = run_alpha_tests(tests, timeout_s=300)
    assert (report.ran, report.failed, report.timed_out) == (1, 0, False)
