"""The gateway's strategy config file: where a canary decision becomes a concrete change.

JSON: `{"strategies": {"<alpha_id>": {"strategy": "<class path>", "weight_bps": 500}}}`.
Every change first saves the file's previous bytes under `history/<sha256>.json`, so any
earlier config can be restored exactly. Writes are atomic (temp file, fsync, rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hft.domain.promotion import ConfigChange


class ConfigFileError(ValueError):
    """The config file is not valid JSON of the expected shape, or a snapshot is missing."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(config: dict[str, Any]) -> bytes:
    return (json.dumps(config, sort_keys=True, indent=2) + "\n").encode()


class StrategyConfigFile:
    """One gateway strategy config file and its history of previous contents."""

    def __init__(self, path: Path, history_dir: Path | None = None) -> None:
        self.path = path
        self.history_dir = history_dir or path.parent / "history"

    def read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def parse(self, data: bytes) -> dict[str, Any]:
        if not data:
            return {"strategies": {}}
        try:
            config = json.loads(data)
        except ValueError as exc:
            raise ConfigFileError(f"{self.path}: not JSON ({exc})") from exc
        if not isinstance(config, dict) or not isinstance(config.get("strategies", {}), dict):
            raise ConfigFileError(f"{self.path}: expected an object with a 'strategies' object")
        config.setdefault("strategies", {})
        return config

    def entry(self, alpha_id: str) -> dict[str, Any] | None:
        entry: dict[str, Any] | None = self.parse(self.read_bytes())["strategies"].get(alpha_id)
        return entry

    def set_weight(self, alpha_id: str, strategy: str, weight_bps: int) -> ConfigChange:
        """Set the alpha's weight (adding its entry if absent)."""
        before = self.read_bytes()
        config = self.parse(before)
        entry = config["strategies"].setdefault(alpha_id, {"strategy": strategy})
        entry["weight_bps"] = weight_bps
        return self._replace(before, _canonical(config))

    def restore_entry(self, alpha_id: str, snapshot_sha256: str) -> ConfigChange:
        """Put the alpha's entry back as it was in the snapshot (absent if it was absent),
        leaving other strategies' entries as they are now. When nothing else changed since
        the snapshot, the file's bytes come back exactly."""
        snapshot = self.snapshot(snapshot_sha256)
        old = self.parse(snapshot)["strategies"].get(alpha_id)
        before = self.read_bytes()
        config = self.parse(before)
        if old is None:
            config["strategies"].pop(alpha_id, None)
        else:
            config["strategies"][alpha_id] = old
        same_as_snapshot = config == self.parse(snapshot)
        return self._replace(before, snapshot if same_as_snapshot else _canonical(config))

    def revert(self, change: ConfigChange) -> bool:
        """Undo `change` if the file still holds its result (True if it was undone)."""
        if sha256_of(self.read_bytes()) != change.after_sha256:
            return False
        self._replace(self.read_bytes(), self.snapshot(change.before_sha256))
        return True

    def snapshot(self, sha256: str) -> bytes:
        if sha256 == sha256_of(b""):
            return b""
        try:
            return (self.history_dir / f"{sha256}.json").read_bytes()
        except FileNotFoundError:
            raise ConfigFileError(f"no saved config with sha256 {sha256}") from None

    def _replace(self, before: bytes, after: bytes) -> ConfigChange:
        self.history_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.history_dir / f"{sha256_of(before)}.json", before)
        if after:
            _atomic_write(self.path, after)
        else:
            # Restoring "no file" means no file, not an empty one the gateway cannot parse.
            self.path.unlink(missing_ok=True)
        return ConfigChange(before_sha256=sha256_of(before), after_sha256=sha256_of(after))


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
