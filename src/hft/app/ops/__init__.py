"""Operator control of a running session from another shell.

A running session owns a run directory OUT. `ControlInbox` applies command files dropped into
OUT/control/ through the gateway's thread-safe operator API; `StatusWriter` publishes the
gateway's metrics to OUT/status.json. `hft ops` writes the commands and reads the status.
"""

from hft.app.ops.files import COMMANDS, ControlRequest, MalformedCommandError, control_paths
from hft.app.ops.inbox import ControlInbox
from hft.app.ops.status import StatusWriter, read_status, session_is_live

__all__ = [
    "COMMANDS",
    "ControlInbox",
    "ControlRequest",
    "MalformedCommandError",
    "StatusWriter",
    "control_paths",
    "read_status",
    "session_is_live",
]
