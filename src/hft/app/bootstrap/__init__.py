"""The composition root: the one place where the app layer meets adapters.

Everything outside `hft.app.bootstrap` depends on ports only; functions here build adapters and
hand them out typed as ports. Submodules wire one concern each (WAL, ClickHouse, Shioaji, sim).
"""
