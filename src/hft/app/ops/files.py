"""The on-disk contract between `hft ops` and a running session.

Layout under a run directory OUT:
  OUT/control/NAME.json              a command waiting to be applied (written temp + rename)
  OUT/control/done/NAME.json         the command, claimed (moved) before it is applied
  OUT/control/done/NAME.outcome.json what the gateway made of it
  OUT/control/rejected/NAME          a file that is not a valid command
  OUT/control/rejected/NAME.reason.json  why it was rejected
  OUT/status.json                    the last published status of the session
Names starting with "." are writes in flight and are never read.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import attrs

COMMANDS = ("halt", "resume", "kill")
_FIELDS = frozenset({"command", "operator", "reason", "id"})
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
OUTCOME_SUFFIX = ".outcome.json"
REASON_SUFFIX = ".reason.json"


class MalformedCommandError(ValueError):
    """A control file that is not a command: bad JSON, an unknown command or field, a
    missing or non-text value. The file is moved to control/rejected/ with this message."""


@attrs.frozen(kw_only=True)
class ControlRequest:
    """One operator command as written to the inbox. Blank operator or reason is not
    malformed: the gateway refuses it (ResumeUnattributed), and that refusal is recorded."""

    command: str
    operator: str
    reason: str
    id: str

    def to_json(self) -> dict[str, str]:
        return attrs.asdict(self)


@attrs.frozen
class ControlPaths:
    """Where the inbox's files live for one run directory."""

    run_dir: Path
    inbox: Path
    done: Path
    rejected: Path
    status: Path

    def ensure(self) -> None:
        for folder in (self.inbox, self.done, self.rejected):
            folder.mkdir(parents=True, exist_ok=True)

    def outcome_of(self, name: str) -> Path:
        return self.done / (name + OUTCOME_SUFFIX)

    def reason_of(self, name: str) -> Path:
        return self.rejected / (name + REASON_SUFFIX)


def control_paths(run_dir: Path | str) -> ControlPaths:
    run = Path(run_dir)
    inbox = run / "control"
    return ControlPaths(run, inbox, inbox / "done", inbox / "rejected", run / "status.json")


def parse_request(raw: bytes) -> ControlRequest:
    """Decode one command file; raises `MalformedCommandError` naming what is wrong."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedCommandError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedCommandError(f"expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - _FIELDS)
    missing = sorted(_FIELDS - set(data))
    if unknown or missing:
        raise MalformedCommandError(f"unknown fields {unknown}, missing fields {missing}")
    if not all(isinstance(data[f], str) for f in _FIELDS):
        raise MalformedCommandError("command, operator, reason and id must be strings")
    if data["command"] not in COMMANDS:
        raise MalformedCommandError(f"unknown command {data['command']!r}; one of {COMMANDS}")
    if not _ID.match(data["id"]):
        raise MalformedCommandError(f"id must match {_ID.pattern}, got {data['id']!r}")
    return ControlRequest(**data)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write `data` so readers see the old file or the new one, never a part (temp in the
    same directory, fsync, rename, fsync of the directory). Blocks on the disk."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(json.dumps(data, sort_keys=True).encode())
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None if there is none (yet)."""
    try:
        data = json.loads(path.read_bytes())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def free_name(folder: Path, name: str) -> str:
    """`name`, or `name` with a counter if `folder` already holds one (never overwrite)."""
    candidate, n = name, 0
    while (folder / candidate).exists():
        n += 1
        candidate = f"{name}.{n}"
    return candidate
