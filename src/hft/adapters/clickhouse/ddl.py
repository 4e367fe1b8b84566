"""Recognising DDL, so that only the schema files can change the shape of the store (D1)."""

from __future__ import annotations

import re

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_DDL_VERB = re.compile(
    r"^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|ATTACH|DETACH|EXCHANGE|UNDROP)\b", re.IGNORECASE
)


class DdlOutsideSchemasError(PermissionError):
    """Code tried to run DDL that does not come from `schemas/*.sql` (decision D1)."""


def strip_comments(sql: str) -> str:
    """The statement without `--` and `/* */` comments (string literals are not special-cased:
    the schema files keep comment markers out of literals)."""
    return _COMMENT.sub("", sql)


def is_ddl(sql: str) -> bool:
    """True when the statement would create, change or remove a database object."""
    return bool(_DDL_VERB.match(strip_comments(sql)))
