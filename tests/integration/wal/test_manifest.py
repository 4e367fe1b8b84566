"""The manifest is replaced atomically and only forward: an older snapshot never overwrites
a newer one, even when saves race."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from hft.adapters.wal import FileOps
from hft.adapters.wal.format import Durability
from hft.adapters.wal.manifest import Manifest, ManifestStore, SealedSegment, load_manifest


def _manifest(generation: int, directory: Path) -> Manifest:
    sealed = tuple(
        SealedSegment(f"{g:020d}.seg", str(directory / f"{g:020d}.seg"), g, g, 100)
        for g in range(1, generation + 1)
    )
    return Manifest(generation, Durability.FSYNC, 4096, 1, f"{generation + 1:020d}.seg", sealed)


def test_saved_manifest_loads_back_equal(tmp_path: Path) -> None:
    """What is saved is what is loaded, sealed segments and paths included."""
    store = ManifestStore(str(tmp_path), FileOps())
    assert store.save(_manifest(3, tmp_path))
    assert load_manifest(str(tmp_path)) == _manifest(3, tmp_path)


def test_older_generation_never_overwrites_newer(tmp_path: Path) -> None:
    """Saving generation 2 after 5 is refused and changes nothing on disk."""
    store = ManifestStore(str(tmp_path), FileOps())
    assert store.save(_manifest(5, tmp_path))
    assert not store.save(_manifest(2, tmp_path))
    assert not store.save(_manifest(5, tmp_path))
    loaded = load_manifest(str(tmp_path))
    assert loaded is not None
    assert loaded.generation == 5


def test_racing_saves_end_with_the_newest_and_leave_no_temp_files(tmp_path: Path) -> None:
    """Eight threads saving generations 1..40 in any order leave generation 40 on disk."""
    store = ManifestStore(str(tmp_path), FileOps())
    generations = list(range(1, 41))

    def saver(mine: list[int]) -> None:
        for g in mine:
            store.save(_manifest(g, tmp_path))

    threads = [threading.Thread(target=saver, args=(generations[i::8][::-1],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = load_manifest(str(tmp_path))
    assert loaded is not None
    assert loaded.generation == 40
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []
