"""Test configuration: hypothesis profiles and the shioaji sandbox paths."""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, settings

# shioaji writes ./shioaji.log and a token cache on import unless told otherwise.
_sj_dir = tempfile.mkdtemp(prefix="hft-sj-")
os.environ.setdefault("SJ_LOG_PATH", os.path.join(_sj_dir, "shioaji.log"))
os.environ.setdefault("SJ_HOME_PATH", _sj_dir)

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("nightly", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
