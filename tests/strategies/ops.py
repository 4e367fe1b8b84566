"""Hypothesis strategies for operator control files (`hft.app.ops`)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from hft.app.ops.files import COMMANDS

FIELDS = ("command", "operator", "reason", "id")
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
ids = st.text(alphabet="abcdefXYZ0123456789-_", min_size=1, max_size=16)


@st.composite
def valid_requests(draw: st.DrawFn) -> dict[str, str]:
    return {
        "command": draw(st.sampled_from(COMMANDS)),
        "operator": draw(names),
        "reason": draw(names),
        "id": draw(ids),
    }


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=6)


@st.composite
def malformed_payloads(draw: st.DrawFn) -> bytes:
    """Bytes that are not a command: broken JSON, non-objects, unknown commands or fields,
    missing fields, non-text values, bad ids."""
    good: dict[str, Any] = draw(valid_requests())
    kind = draw(st.sampled_from(["bytes", "non_object", "command", "extra", "missing", "type"]))
    if kind == "bytes":
        return b"{" + draw(st.binary(max_size=20))
    if kind == "non_object":
        return json.dumps(draw(st.lists(json_scalars, max_size=3) | json_scalars)).encode()
    if kind == "command":
        good["command"] = draw(names.filter(lambda n: n not in COMMANDS))
    elif kind == "extra":
        good[draw(names.filter(lambda n: n not in FIELDS))] = draw(json_scalars)
    elif kind == "missing":
        del good[draw(st.sampled_from(FIELDS))]
    else:
        good[draw(st.sampled_from(FIELDS))] = draw(st.none() | st.integers() | st.booleans())
    return json.dumps(good).encode()
