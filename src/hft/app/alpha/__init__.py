"""The alpha promotion pipeline: Gates A..E, research artifacts, canary, rollback and audit.

The rules live in the pure domain (`hft.domain.promotion*`, `gates`, `canary`); this package
runs them: it gathers evidence (research backtest, smoke session, the alpha's own tests),
persists decisions through an eventsourcing Application, and maps canary decisions to
concrete gateway config changes.
"""
