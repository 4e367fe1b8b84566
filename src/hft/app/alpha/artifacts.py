"""The research artifact registry (D4): one directory per run, every file content-hashed.

Layout: `<root>/<alpha_id>/<run_id>/` holding `config.json`, `fills.csv`, `equity.csv`,
`scorecard.json`, `returns.json` and `manifest.json` (run id, alpha, code version, data
fingerprints, creation time in ns, and the SHA-256 of every other file). The run id is a hash
of the config, data fingerprints and code version: re-running the same experiment names the
same run, and recording it again changes nothing. Writes go to a temp dir renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from hft.app.alpha.research import BacktestResult

MANIFEST = "manifest.json"


class ArtifactError(ValueError):
    """A run directory is missing, or a file no longer matches its recorded hash."""


@attrs.frozen(kw_only=True)
class ExperimentRecord:
    """One recorded run, as its manifest states it."""

    run_id: str
    alpha_id: str
    created_ns: int
    code_version: str
    data_fingerprints: tuple[str, ...]
    files: Mapping[str, str]
    scorecard: Mapping[str, Any]
    path: Path


@attrs.frozen(kw_only=True)
class ResearchRun:
    """What the research step produced, before it is written."""

    alpha_id: str
    config: Mapping[str, Any]
    base: Sequence[BacktestResult]
    stress: Sequence[BacktestResult]
    scorecard: Mapping[str, Any]
    returns: Sequence[float]
    code_version: str


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _fills_csv(run: ResearchRun) -> bytes:
    lines = ["fold,kind,ts_ns,side,price_scaled,qty,fee_scaled"]
    for kind, results in (("base", run.base), ("stress", run.stress)):
        for fold, res in enumerate(results):
            lines.extend(
                f"{fold},{kind},{f.ts_ns},{f.side},{f.price_scaled},{f.qty},{f.fee_scaled}"
                for f in res.fills
            )
    return ("\n".join(lines) + "\n").encode()


def _equity_csv(run: ResearchRun) -> bytes:
    lines = ["fold,kind,bar,equity_scaled"]
    for kind, results in (("base", run.base), ("stress", run.stress)):
        for fold, res in enumerate(results):
            lines.extend(f"{fold},{kind},{i},{e}" for i, e in enumerate(res.equity_scaled))
    return ("\n".join(lines) + "\n").encode()


def run_id_of(run: ResearchRun) -> str:
    prints = sorted({r.data_fingerprint for r in (*run.base, *run.stress)})
    key = canonical_json({"config": run.config, "data": prints, "code": run.code_version})
    return hashlib.sha256(key).hexdigest()[:16]


class ExperimentRegistry:
    """Reads and writes run directories under `root`. Not safe for two concurrent writers of
    the same run id (the second rename fails and is reported as already recorded)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def record(self, run: ResearchRun, created_ns: int) -> ExperimentRecord:
        """Write the run (idempotent: an existing run id is returned untouched)."""
        run_id = run_id_of(run)
        final = self.root / run.alpha_id / run_id
        if (final / MANIFEST).exists():
            return self.get(run.alpha_id, run_id)
        files = {
            "config.json": canonical_json(run.config),
            "fills.csv": _fills_csv(run),
            "equity.csv": _equity_csv(run),
            "scorecard.json": canonical_json(run.scorecard),
            "returns.json": canonical_json(list(run.returns)),
        }
        manifest = {
            "run_id": run_id,
            "alpha_id": run.alpha_id,
            "created_ns": created_ns,
            "code_version": run.code_version,
            "data_fingerprints": sorted({r.data_fingerprint for r in (*run.base, *run.stress)}),
            "files": {n: hashlib.sha256(b).hexdigest() for n, b in files.items()},
            "scorecard": run.scorecard,
        }
        files[MANIFEST] = canonical_json(manifest)
        self._write_dir(final, files)
        return self.get(run.alpha_id, run_id)

    def _write_dir(self, final: Path, files: Mapping[str, bytes]) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        try:
            os.rename(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not (final / MANIFEST).exists():
                raise

    def get(self, alpha_id: str, run_id: str) -> ExperimentRecord:
        path = self.root / alpha_id / run_id
        try:
            data = json.loads((path / MANIFEST).read_bytes())
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"run {alpha_id}/{run_id}: no readable manifest ({exc})") from exc
        return ExperimentRecord(
            run_id=data["run_id"],
            alpha_id=data["alpha_id"],
            created_ns=data["created_ns"],
            code_version=data["code_version"],
            data_fingerprints=tuple(data["data_fingerprints"]),
            files=data["files"],
            scorecard=data["scorecard"],
            path=path,
        )

    def find(self, run_id: str) -> ExperimentRecord | None:
        for path in sorted(self.root.glob(f"*/{run_id}/{MANIFEST}")):
            return self.get(path.parent.parent.name, run_id)
        return None

    def runs(self, alpha_id: str | None = None) -> list[ExperimentRecord]:
        """Every recorded run (of one alpha when given), oldest first."""
        pattern = f"{alpha_id or '*'}/*/{MANIFEST}"
        records = [self.get(p.parent.parent.name, p.parent.name) for p in self.root.glob(pattern)]
        return sorted(records, key=lambda r: (r.created_ns, r.run_id))

    def verify(self, record: ExperimentRecord) -> list[str]:
        """Names of files whose content no longer matches the manifest (empty: intact)."""
        bad = []
        for name, sha in sorted(record.files.items()):
            try:
                actual = hashlib.sha256((record.path / name).read_bytes()).hexdigest()
            except OSError:
                actual = ""
            if actual != sha:
                bad.append(name)
        return bad

    def returns(self, record: ExperimentRecord) -> list[float]:
        data: list[float] = json.loads((record.path / "returns.json").read_bytes())
        return data

    def delete(self, record: ExperimentRecord) -> None:
        shutil.rmtree(record.path)
