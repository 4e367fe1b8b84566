"""The manifest: an index of sealed segments and the name of the active one.

It is replaced atomically (write a temp file, fsync it, rename over, fsync the directory) and
only ever forward: a save with a generation not newer than the last one saved is refused, so
an older snapshot can never overwrite a newer one. It is metadata, never data: size and
pressure measurements exclude it.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import attrs

from hft.adapters.wal.fileops import FileOps
from hft.adapters.wal.format import Durability

MANIFEST_NAME = "MANIFEST.json"
TEMP_SUFFIX = ".tmp"


@attrs.frozen
class SealedSegment:
    """A sealed segment: sequence numbers `first_seq..last_seq` and bytes `[0, data_end)`
    (header, frames and the seal frame) of the file `path`."""

    name: str
    path: str
    first_seq: int
    last_seq: int
    data_end: int


@attrs.frozen
class Manifest:
    """What the writer last recorded about the log as a whole."""

    generation: int
    policy: Durability
    segment_bytes: int
    first_seq: int
    active: str | None
    sealed: tuple[SealedSegment, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "policy": self.policy.name.lower(),
            "segment_bytes": self.segment_bytes,
            "first_seq": self.first_seq,
            "active": self.active,
            "sealed": [[s.name, s.first_seq, s.last_seq, s.data_end] for s in self.sealed],
        }


class ManifestError(ValueError):
    """The manifest file exists but cannot be parsed."""


def _from_json(directory: str, data: dict[str, Any]) -> Manifest:
    sealed = tuple(
        SealedSegment(name, os.path.join(directory, name), first, last, end)
        for name, first, last, end in data["sealed"]
    )
    return Manifest(
        generation=int(data["generation"]),
        policy=Durability[str(data["policy"]).upper()],
        segment_bytes=int(data["segment_bytes"]),
        first_seq=int(data["first_seq"]),
        active=data["active"],
        sealed=sealed,
    )


def load_manifest(directory: str) -> Manifest | None:
    """The manifest of `directory`, None if there is none; `ManifestError` if unreadable."""
    path = os.path.join(directory, MANIFEST_NAME)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None
    try:
        return _from_json(directory, json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{path}: {exc}") from exc


class ManifestStore:
    """Saves manifests of one directory, forward only, one save at a time."""

    def __init__(self, directory: str, fileops: FileOps, saved_generation: int = 0) -> None:
        self._directory = directory
        self._fileops = fileops
        self._lock = threading.Lock()
        self._saved_generation = saved_generation

    @property
    def saved_generation(self) -> int:
        return self._saved_generation

    def save(self, manifest: Manifest) -> bool:
        """Atomically replace the manifest; False (and nothing written) if not newer."""
        with self._lock:
            if manifest.generation <= self._saved_generation:
                return False
            final = os.path.join(self._directory, MANIFEST_NAME)
            temp = f"{final}.{manifest.generation}{TEMP_SUFFIX}"
            body = json.dumps(manifest.to_json(), separators=(",", ":")).encode()
            self._fileops.write_file(temp, body)
            self._fileops.rename(temp, final)
            self._fileops.fsync_dir(self._directory)
            self._saved_generation = manifest.generation
            return True
