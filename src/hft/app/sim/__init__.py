"""`hft sim`: a deterministic trading session on a simulated venue and a virtual clock."""

from hft.app.sim.driver import SimDriver
from hft.app.sim.runner import SimResult, SimRun, load_strategy, run_sim

__all__ = ["SimDriver", "SimResult", "SimRun", "load_strategy", "run_sim"]
