"""`hft live`: the same strategy interface, gateway and log as `hft sim`, against a broker."""

from hft.app.live.runner import LiveRun, LiveVenue, run_live

__all__ = ["LiveRun", "LiveVenue", "run_live"]
