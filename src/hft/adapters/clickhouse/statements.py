"""The schema files: where they are, and how they split into identified statements."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import attrs

from hft.adapters.clickhouse.ddl import strip_comments

SCHEMA_FILES = ("clickhouse.sql", "audit.sql")
"""Applied in this order: runtime tables, then audit tables."""


class SchemaFilesNotFoundError(FileNotFoundError):
    """Neither the source checkout's `schemas/` nor the wheel's `hft/_schemas` exists."""


@attrs.frozen
class Statement:
    """One statement of a schema file: its position, text and content hash.

    The hash ignores comments and whitespace, so documenting a column never counts as a change.
    """

    file: str
    index: int
    text: str
    sha256: str

    @property
    def summary(self) -> str:
        """The head of the statement: its verb and the object it names."""
        words = strip_comments(self.text).replace("(", " ( ").split()
        words = [w for w in words if w.upper() not in ("IF", "NOT", "EXISTS")]
        head = words[:3] if words[:1] == ["CREATE"] else words[:6]
        return " ".join(head)[:60]


def schema_dir(override: Path | None = None) -> Path:
    """`schemas/` of a source checkout, else the copy packaged in the wheel (`hft/_schemas`)."""
    candidates = [override] if override else []
    candidates.append(Path(__file__).resolve().parents[4] / "schemas")
    candidates.append(Path(str(resources.files("hft"))) / "_schemas")
    for candidate in candidates:
        if candidate is not None and all((candidate / f).is_file() for f in SCHEMA_FILES):
            return candidate
    raise SchemaFilesNotFoundError(f"schema files {SCHEMA_FILES} not found in {candidates}")


def load_statements(directory: Path) -> list[Statement]:
    """Every statement of every schema file, in application order."""
    statements = []
    for name in SCHEMA_FILES:
        text = (directory / name).read_text(encoding="utf-8")
        for index, body in enumerate(split_statements(text)):
            statements.append(Statement(name, index, body, statement_hash(body)))
    return statements


def statement_hash(text: str) -> str:
    normal = " ".join(strip_comments(text).split())
    return hashlib.sha256(normal.encode()).hexdigest()


_TOKEN = re.compile(r"'(?:[^'\\]|\\.|'')*'|--[^\n]*|/\*.*?\*/|;", re.DOTALL)


def split_statements(text: str) -> Iterator[str]:
    """Split on `;` outside quotes and comments; comment-only pieces are dropped."""
    start = 0
    for match in _TOKEN.finditer(text):
        if match.group() == ";":
            piece = text[start : match.start()]
            start = match.end()
            if strip_comments(piece).strip():
                yield piece.strip()
    tail = text[start:]
    if strip_comments(tail).strip():
        yield tail.strip()
