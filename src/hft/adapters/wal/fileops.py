"""The file operations the WAL performs, behind one small seam.

Tests subclass `FileOps` to inject failures (ENOSPC on the Nth write, a failing sync) into
the real write path; production uses it as is. Every method may raise `OSError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

_IOV_MAX = 1024
_ZERO_CHUNK = bytes(1 << 20)


class FileOps:
    """Thin wrappers over `os` calls, each one place where a fault can be injected."""

    def open(self, path: str, *, create: bool = False) -> int:
        flags = os.O_RDWR | os.O_CLOEXEC | (os.O_CREAT | os.O_EXCL if create else 0)
        return os.open(path, flags, 0o644)

    def close(self, fd: int) -> None:
        os.close(fd)

    def pwrite(self, fd: int, buffers: Sequence[bytes], offset: int) -> int:
        """Write all of `buffers` at `offset`; returns the bytes written."""
        total = 0
        for start in range(0, len(buffers), _IOV_MAX):
            chunk = buffers[start : start + _IOV_MAX]
            want = sum(map(len, chunk))
            done = os.pwritev(fd, chunk, offset + total)
            if done < want:
                rest = b"".join(chunk)[done:]
                while rest:
                    n = os.pwrite(fd, rest, offset + total + done)
                    done += n
                    rest = rest[n:]
            total += want
        return total

    def write_zeros(self, fd: int, offset: int, length: int) -> None:
        end = offset + length
        while offset < end:
            n = min(len(_ZERO_CHUNK), end - offset)
            self.pwrite(fd, [_ZERO_CHUNK[:n]], offset)
            offset += n

    def fdatasync(self, fd: int) -> None:
        os.fdatasync(fd)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def fsync_dir(self, directory: str) -> None:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def same_file(self, fd: int, path: str) -> bool:
        """Whether `path` names the file open as `fd` (same device and inode)."""
        opened, named = os.fstat(fd), os.stat(path)
        return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)

    def rename(self, src: str, dst: str) -> None:
        os.replace(src, dst)

    def unlink(self, path: str) -> None:
        os.unlink(path)

    def write_file(self, path: str, data: bytes) -> None:
        """Create `path` (which must not exist), write `data` and fsync it."""
        fd = self.open(path, create=True)
        try:
            self.pwrite(fd, [data], 0)
            self.fsync(fd)
        finally:
            os.close(fd)
