"""ControlInbox: applies operator command files to a running gateway, each exactly once.

Exactly once: a file is claimed by renaming it into control/done/ BEFORE the gateway is asked,
so a crash can lose an outcome but never apply a command twice. Commands go one at a time, in
name order (`hft ops` names start with the wall time in ns), and the next is taken only when
the previous one has an outcome, so every outcome names the command that caused it.

Outcomes (control/done/NAME.outcome.json, field "outcome"):
  applied      the gateway logged the command's event (GatewayHalted / GatewayResumed), durable
  accepted     queued, and the gateway logs nothing for it because HALT is latched (a halt or
               kill while already halted; the kill still cancels live orders in batches)
  refused      the gateway refused it; "error" names why (ResumeUnattributed,
               ControlQueueFullError, NotHalted)
  unconfirmed  the session ended before the gateway took it
All file I/O happens on the inbox thread. On the gateway loop it only runs a listener that
keeps the few policy events it needs in a bounded deque (overflow counted in `heard_dropped`).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from hft.app.gateway.control import ControlQueueFullError
from hft.app.gateway.service import Gateway
from hft.app.ops.files import (
    OUTCOME_SUFFIX,
    REASON_SUFFIX,
    ControlRequest,
    MalformedCommandError,
    control_paths,
    free_name,
    parse_request,
    write_json_atomic,
)
from hft.app.ops.worker import PeriodicWorker
from hft.domain.errors import DomainError
from hft.domain.events import DomainEvent
from hft.domain.policy_events import GatewayHalted, GatewayResumed
from hft.domain.policy_state import PolicyMode
from hft.domain.session import AnomalyRecorded

HEARD_CAPACITY = 1_024
# The loop records a refusal as AnomalyRecorded(kind="<command>_refused"); by then the only
# refusal decide_resume can raise is NotHalted (blank operators are refused before queueing).
_LOOP_REFUSALS = {"resume": "NotHalted", "halt": "InvalidValue", "kill": "InvalidValue"}


@attrs.frozen
class _Pending:
    name: str
    request: ControlRequest


class ControlInbox(PeriodicWorker):
    """Watches RUN_DIR/control/ on a daemon thread; `start()`, then `stop()` (idempotent).

    `gateway` must be started; construct the inbox on the loop's thread (it subscribes a
    listener). `on_outcome()` runs on the inbox thread just before each outcome is written
    (wire it to a waiting `StatusWriter.refresh`, so status.json already shows the new policy
    when the operator reads the outcome).
    """

    def __init__(
        self,
        run_dir: Path | str,
        gateway: Gateway,
        poll_s: float = 0.2,
        on_outcome: Callable[[], None] | None = None,
    ) -> None:
        super().__init__("hft-control-inbox")
        self.paths = control_paths(run_dir)
        self.gateway = gateway
        self.poll_s = poll_s
        self.on_outcome = on_outcome
        self.counts = {"applied": 0, "accepted": 0, "refused": 0, "unconfirmed": 0, "rejected": 0}
        self.heard_dropped = 0
        self.io_errors = 0
        self._heard: deque[tuple[int, DomainEvent]] = deque(maxlen=HEARD_CAPACITY)
        self._pending: _Pending | None = None
        gateway.subscribe(self._hear)

    # `start()` creates the folders (briefly on the disk) and starts the thread. `stop()`
    # finishes: outcomes for what the gateway decided, `unconfirmed` for a command still in
    # flight, and every unread command file rejected as SessionEnded (a stale resume must
    # never be applied by a later session). Both idempotent (`PeriodicWorker`).

    def stats(self) -> dict[str, int]:
        """Outcome counts so far, plus heard_dropped and io_errors (any thread may call)."""
        return {**self.counts, "heard_dropped": self.heard_dropped, "io_errors": self.io_errors}

    def poll_once(self) -> None:
        """One pass: resolve the command in flight, then take the next file (tests, thread)."""
        self._resolve()
        if self._pending is None:
            self._take_next()

    # --- the thread ------------------------------------------------------------------------

    def _prepare(self) -> None:
        self.paths.ensure()

    def _period_s(self) -> float:
        return self.poll_s

    def _tick(self) -> None:
        try:
            self.poll_once()
        except OSError:
            self.io_errors += 1  # a full or failing disk: keep watching, the count shows

    def _finish(self) -> None:
        try:
            self._settle_all()
        except OSError:
            self.io_errors += 1

    def _settle_all(self) -> None:
        self._resolve()
        if self._pending is not None:
            self._write_outcome(self._pending, "unconfirmed", detail="the session ended first")
            self._pending = None
        for name in self._waiting_names():
            self._reject(name, "SessionEnded", "the session ended before this command was read")

    def _hear(self, seq: int, event: DomainEvent) -> None:
        """On the gateway loop: keep only what settles a command; never blocks."""
        if isinstance(event, GatewayHalted | GatewayResumed) or (
            isinstance(event, AnomalyRecorded) and event.kind.endswith("_refused")
        ):
            if len(self._heard) == HEARD_CAPACITY:
                self.heard_dropped += 1
            self._heard.append((seq, event))
            self.wake()

    # --- taking a command ------------------------------------------------------------------

    def _waiting_names(self) -> list[str]:
        names = (e.name for e in os.scandir(self.paths.inbox) if e.is_file())
        return sorted(n for n in names if not n.startswith("."))

    def _take_next(self) -> None:
        names = self._waiting_names()
        if not names:
            return
        name = names[0]
        path = self.paths.inbox / name
        try:
            request = parse_request(path.read_bytes()) if name.endswith(".json") else None
        except MalformedCommandError as exc:
            self._reject(name, "MalformedCommandError", str(exc))
            return
        if request is None:
            self._reject(name, "MalformedCommandError", "a command file's name ends in .json")
            return
        name = free_name(self.paths.done, name)
        path.replace(self.paths.done / name)  # the claim: from here on it is never re-read
        self._submit(_Pending(name, request))

    def _submit(self, pending: _Pending) -> None:
        request = pending.request
        mode = self.gateway.core.state.policy.mode  # an immutable value: one atomic read
        call = {
            "halt": self.gateway.halt,
            "kill": self.gateway.kill_switch,
            "resume": self.gateway.resume,
        }[request.command]
        try:
            call(request.operator, request.reason)
        except (DomainError, ControlQueueFullError) as exc:
            self._write_outcome(pending, "refused", error=type(exc).__name__, detail=str(exc))
            return
        if request.command != "resume" and mode is PolicyMode.HALT:
            self._write_outcome(pending, "accepted", detail=_latched_detail(request.command))
            return
        self._pending = pending

    # --- settling it -------------------------------------------------------------------------

    def _resolve(self) -> None:
        while self._heard and self._pending is not None:
            seq, event = self._heard.popleft()
            self._settle(self._pending, seq, event)
        if self._pending is None:
            self._heard.clear()  # nothing in flight: what was heard settles nothing of ours

    def _settle(self, pending: _Pending, seq: int, event: DomainEvent) -> None:
        request = pending.request
        outcome: dict[str, Any] | None = None
        if request.command == "resume":
            outcome = _settle_resume(request, seq, event)
        else:
            outcome = _settle_halt(request, seq, event)
        if outcome is not None:
            self._pending = None
            self._write_outcome(pending, **outcome)

    def _write_outcome(self, pending: _Pending, outcome: str, **fields: Any) -> None:
        record: dict[str, Any] = {"error": None, "event": None, "seq": None, "detail": ""}
        record.update(fields)
        record.update(
            pending.request.to_json(),
            outcome=outcome,
            file=pending.name,
            policy_mode=self.gateway.core.state.policy.mode.value,
            decided_unix_s=time.time(),
        )
        if self.on_outcome is not None:
            self.on_outcome()  # first: whoever reads the outcome finds the status up to date
        write_json_atomic(self.paths.done / (pending.name + OUTCOME_SUFFIX), record)
        self.counts[outcome] += 1

    def _reject(self, name: str, error: str, reason: str) -> None:
        target = free_name(self.paths.rejected, name)
        (self.paths.inbox / name).replace(self.paths.rejected / target)
        record = {"file": name, "error": error, "reason": reason, "rejected_unix_s": time.time()}
        write_json_atomic(self.paths.rejected / (target + REASON_SUFFIX), record)
        self.counts["rejected"] += 1


def _latched_detail(command: str) -> str:
    detail = "already halted: HALT is latched and keeps its first reason"
    if command == "kill":
        detail += "; live orders are cancelled in batches"
    return detail


def _settle_halt(request: ControlRequest, seq: int, event: DomainEvent) -> dict[str, Any] | None:
    if isinstance(event, GatewayHalted):
        if (event.source, event.reason) == (request.operator, request.reason):
            detail = "live orders are cancelled in batches" if request.command == "kill" else ""
            return {"outcome": "applied", "event": "GatewayHalted", "seq": seq, "detail": detail}
        # Another source halted first; ours, queued behind it, found HALT latched.
        detail = f"already halted by {event.source} ({event.reason}); HALT is latched"
        return {"outcome": "accepted", "detail": detail, "seq": seq}
    return _settle_refusal(request, seq, event)


def _settle_resume(request: ControlRequest, seq: int, event: DomainEvent) -> dict[str, Any] | None:
    if isinstance(event, GatewayResumed) and (event.operator, event.reason) == (
        request.operator,
        request.reason,
    ):
        return {"outcome": "applied", "event": "GatewayResumed", "seq": seq}
    return _settle_refusal(request, seq, event)


def _settle_refusal(request: ControlRequest, seq: int, event: DomainEvent) -> dict[str, Any] | None:
    if (
        isinstance(event, AnomalyRecorded)
        and event.kind == f"{request.command}_refused"
        and event.subject == request.operator
    ):
        error = _LOOP_REFUSALS[request.command]
        return {"outcome": "refused", "error": error, "detail": event.detail, "seq": seq}
    return None
