"""`hft alpha`: the promotion pipeline from the command line (Gates A..E, canary, audit).

Exit codes: 0 success; 1 the pipeline said no (a gate failed, a canary was rolled back, the
lifecycle refused the move); 2 usage or configuration error (unknown alpha, bad spec,
unreadable thresholds or config).
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from eventsourcing.persistence import IntegrityError
from rich.console import Console
from rich.table import Table

from hft.app.alpha.artifacts import ArtifactError
from hft.app.alpha.evidence import max_pool_correlation_bps
from hft.app.alpha.gateway_config import ConfigFileError
from hft.app.alpha.gc import apply_gc, plan_gc
from hft.app.alpha.service import POOL_STATUSES, PromotionService, ValidationReport
from hft.app.alpha.spec import AlphaSpec, SpecError, load_spec
from hft.app.alpha.store import AlphaNotFound
from hft.app.alpha.thresholds import ThresholdsError
from hft.app.alpha.views import (
    decision_view,
    experiment_view,
    report_view,
    state_view,
)
from hft.app.bootstrap.alpha import promotion_service
from hft.domain.canary import CanaryAction
from hft.domain.errors import DomainError, InvalidValue
from hft.domain.gates import Gate, GateVerdict
from hft.domain.promotion import PromotionStatus

EXIT_OK, EXIT_NO, EXIT_USAGE = 0, 1, 2
USAGE_ERRORS = (
    AlphaNotFound,
    SpecError,
    ThresholdsError,
    ConfigFileError,
    ArtifactError,
    InvalidValue,
)
F = TypeVar("F", bound=Callable[..., Any])


def register(cli: click.Group, bench: click.Group) -> None:
    cli.add_command(alpha)


@click.group()
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Pipeline state (event store, experiments, gateway config). "
    "Default: $HFT_STATE_DIR or ~/.local/state/hft.",
)
@click.option(
    "--thresholds",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A gate thresholds TOML file instead of the packaged gates.toml.",
)
@click.option(
    "--gateway-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The gateway strategy config that canary decisions change.",
)
@click.pass_context
def alpha(
    ctx: click.Context, state_dir: Path | None, thresholds: Path | None, gateway_config: Path | None
) -> None:
    """Promote alphas through Gates A..E, canary tiers and live, reversibly and audited.

    Every decision is an event in the promotion store (SQLite under the state directory,
    PostgreSQL with HFT_ALPHA_STORE=postgres) and a row for the audit tables.
    """
    ctx.obj = {"root": state_dir, "thresholds": thresholds, "gateway_config": gateway_config}


def _service(ctx: click.Context) -> PromotionService:
    return promotion_service(
        root=ctx.obj["root"],
        thresholds=ctx.obj["thresholds"],
        gateway_config=ctx.obj["gateway_config"],
    )


def _guarded(fn: F) -> F:
    """Map named errors to exit codes with a one-line message."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except USAGE_ERRORS as exc:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(EXIT_USAGE) from exc
        except DomainError as exc:
            click.echo(f"refused: {type(exc).__name__}: {exc}", err=True)
            raise SystemExit(EXIT_NO) from exc
        except IntegrityError as exc:
            click.echo("refused: another writer changed this alpha first; re-run", err=True)
            raise SystemExit(EXIT_NO) from exc

    return run  # type: ignore[return-value]


def _emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
    else:
        render()


JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
ACTOR_OPT = click.option(
    "--actor",
    default="operator",
    show_default=True,
    help="Who is acting (recorded in every event and audit row).",
)
SPEC_ARG = click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))


def _print_state(state: dict[str, Any]) -> None:
    table = Table(title="alpha promotions")
    for col in ("alpha", "kind", "status", "round", "gates passed", "weight bps", "version"):
        table.add_column(col)
    table.add_row(
        state["alpha_id"],
        state["kind"],
        state["status"],
        str(state["round"]),
        "".join(state["passed_gates"]) or "-",
        str(state["weight_bps"]),
        str(state["version"]),
    )
    Console().print(table)


def _print_verdict(verdict: GateVerdict) -> None:
    mark = "[green]PASS[/green]" if verdict.passed else "[red]FAIL[/red]"
    Console().print(f"gate {verdict.gate.value} {mark}")
    for reason in verdict.reasons:
        Console().print(f"  {reason}", highlight=False)


def _validate_with_progress(
    service: PromotionService, spec: AlphaSpec, actor: str, as_json: bool
) -> ValidationReport:
    if as_json:
        return service.validate(spec, actor=actor)
    console = Console()
    with console.status("running gates A..E (tests, smoke session, walk-forward backtest)"):
        report = service.validate(spec, actor=actor, on_verdict=_print_verdict)
    failed_b = [v for v in report.verdicts if v.gate is Gate.CORRECTNESS and not v.passed]
    if failed_b and report.tests_output:
        console.print("the alpha's own tests said:", report.tests_output, sep="\n", markup=False)
    return report


@alpha.command("register")
@SPEC_ARG
@ACTOR_OPT
@JSON_OPT
@click.pass_context
@_guarded
def register_cmd(ctx: click.Context, spec: Path, actor: str, as_json: bool) -> None:
    """Register the alpha described by SPEC (an alpha.toml). Exit 1 if already registered."""
    state = state_view(_service(ctx).register(load_spec(spec), actor=actor))
    _emit(state, as_json, lambda: _print_state(state))


@alpha.command()
@SPEC_ARG
@ACTOR_OPT
@JSON_OPT
@click.pass_context
@_guarded
def validate(ctx: click.Context, spec: Path, actor: str, as_json: bool) -> None:
    """Run gates A..E on SPEC's alpha (registering it first if new), recording each verdict.

    Stops at the first failing gate. Exit 0 when all five pass, 1 when one fails.
    """
    service, parsed = _service(ctx), load_spec(spec)
    if service.store.find(parsed.alpha_id) is None:
        service.register(parsed, actor=actor)
    report = _validate_with_progress(service, parsed, actor, as_json)
    _emit(report_view(report), as_json, lambda: None)
    raise SystemExit(EXIT_OK if report.passed else EXIT_NO)


@alpha.command()
@click.argument("alpha_id")
@ACTOR_OPT
@JSON_OPT
@click.pass_context
@_guarded
def promote(ctx: click.Context, alpha_id: str, actor: str, as_json: bool) -> None:
    """Promote ALPHA_ID to its first canary tier (needs gates A..E passed this round)."""
    state = state_view(_service(ctx).promote(alpha_id, actor=actor))
    _emit(state, as_json, lambda: _print_state(state))


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@alpha.command("rl-promote")
@click.argument("policy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--spec",
    "spec_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='The RL alpha\'s spec (kind = "rl").',
)
@click.option(
    "--training-run",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The directory of the policy's training run artifacts.",
)
@ACTOR_OPT
@JSON_OPT
@click.pass_context
@_guarded
def rl_promote(
    ctx: click.Context, policy: Path, spec_path: Path, training_run: Path, actor: str, as_json: bool
) -> None:
    """Take an RL POLICY with its training run through registration, gates A..E and promotion.

    The policy file and every training artifact are recorded by content hash. Exit 1 when a
    gate fails (nothing is promoted).
    """
    spec = load_spec(spec_path)
    if spec.kind != "rl":
        raise SpecError(f'{spec_path}: an RL alpha\'s spec must say kind = "rl"')
    training = sorted(p for p in training_run.rglob("*") if p.is_file())
    artifacts = (
        f"policy:{_file_sha(policy)}",
        *(f"training:{p.relative_to(training_run)}:{_file_sha(p)}" for p in training),
    )
    service = _service(ctx)
    if service.store.find(spec.alpha_id) is None:
        service.register(spec, artifacts=artifacts, actor=actor)
    report = _validate_with_progress(service, spec, actor, as_json)
    result: dict[str, Any] = report_view(report)
    if report.passed:
        result["state"] = state_view(service.promote(spec.alpha_id, actor=actor))
    _emit(result, as_json, lambda: _print_state(result["state"]) if "state" in result else None)
    raise SystemExit(EXIT_OK if report.passed else EXIT_NO)


def _evaluate_all(service: PromotionService, alpha_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    targets = alpha_ids or tuple(
        s.alpha_id
        for s in service.statuses()
        if s.status in (PromotionStatus.CANARY, PromotionStatus.HELD)
    )
    views = []
    for alpha_id in targets:
        decision, state = service.evaluate_canary(alpha_id)
        views.append(decision_view(decision, state))
    return views


def _print_decisions(views: list[dict[str, Any]]) -> None:
    table = Table(title="canary evaluation")
    for col in ("alpha", "action", "status", "weight bps", "reasons"):
        table.add_column(col)
    for v in views:
        table.add_row(
            v["alpha_id"], v["action"], v["status"], str(v["weight_bps"]), "; ".join(v["reasons"])
        )
    Console().print(table)


@alpha.command()
@click.argument("alpha_ids", nargs=-1)
@click.option("--evaluate", is_flag=True, help="Run one evaluation (the default).")
@click.option(
    "--every",
    type=click.FloatRange(min=0.0),
    default=None,
    help="Scheduler mode: evaluate every SECONDS.",
)
@click.option(
    "--iterations",
    type=click.IntRange(min=1),
    default=None,
    help="With --every: stop after this many evaluations (default: run until killed).",
)
@JSON_OPT
@click.pass_context
@_guarded
def canary(
    ctx: click.Context,
    alpha_ids: tuple[str, ...],
    evaluate: bool,
    every: float | None,
    iterations: int | None,
    as_json: bool,
) -> None:
    """Evaluate canaries (ALPHA_IDS, or every alpha in canary) from their metrics snapshots.

    Each evaluation holds, escalates to the next weight tier (live after the last) or rolls
    back; a missing snapshot rolls back. Snapshots are read from
    <state-dir>/canary-metrics/<alpha_id>.json. Exit 1 if any canary was rolled back.
    """
    service, rolled_back, count = _service(ctx), False, 0
    while True:
        views = _evaluate_all(service, alpha_ids)
        rolled_back |= any(v["action"] == CanaryAction.ROLLBACK.value for v in views)
        _emit(views, as_json, functools.partial(_print_decisions, views))
        count += 1
        if every is None or (iterations is not None and count >= iterations):
            break
        time.sleep(every)
    raise SystemExit(EXIT_NO if rolled_back else EXIT_OK)


@alpha.command()
@click.argument("alpha_id")
@click.option("--reason", required=True, help="Why (recorded in the event and audit row).")
@ACTOR_OPT
@JSON_OPT
@click.pass_context
@_guarded
def rollback(ctx: click.Context, alpha_id: str, reason: str, actor: str, as_json: bool) -> None:
    """Roll ALPHA_ID back: its gateway config entry returns to what it was before promotion."""
    state = state_view(_service(ctx).rollback(alpha_id, reasons=(reason,), actor=actor))
    _emit(state, as_json, lambda: _print_state(state))


@alpha.command()
@click.argument("alpha_id", required=False)
@JSON_OPT
@click.pass_context
@_guarded
def status(ctx: click.Context, alpha_id: str | None, as_json: bool) -> None:
    """Show the promotion state of ALPHA_ID, or of every registered alpha."""
    service = _service(ctx)
    states = [service.store.get(alpha_id)] if alpha_id else service.statuses()
    views = [state_view(s) for s in states]

    def render() -> None:
        table = Table(title="alpha promotions")
        for col in ("alpha", "kind", "status", "round", "gates passed", "weight bps"):
            table.add_column(col)
        for v in views:
            table.add_row(
                v["alpha_id"],
                v["kind"],
                v["status"],
                str(v["round"]),
                "".join(v["passed_gates"]) or "-",
                str(v["weight_bps"]),
            )
        Console().print(table)

    _emit(views, as_json, render)


@alpha.command()
@click.option("--alpha", "alpha_id", default=None, help="Only this alpha's runs.")
@click.option("--verify", is_flag=True, help="Re-hash every file; exit 1 if any changed.")
@JSON_OPT
@click.pass_context
@_guarded
def experiments(ctx: click.Context, alpha_id: str | None, verify: bool, as_json: bool) -> None:
    """List research runs in the artifact registry (scorecards, code version, data hashes)."""
    registry = _service(ctx).registry
    records = registry.runs(alpha_id)
    views = [experiment_view(r, registry.verify(r) if verify else None) for r in records]

    def render() -> None:
        table = Table(title=f"research experiments ({registry.root})")
        for col in (
            "run",
            "alpha",
            "code",
            "oos sharpe (milli)",
            "max dd (bps)",
            "round trips",
            "intact",
        ):
            table.add_column(col)
        for v in views:
            oos = v["scorecard"].get("out_of_sample", {})
            table.add_row(
                v["run_id"],
                v["alpha_id"],
                v["code_version"],
                str(oos.get("sharpe_milli")),
                str(oos.get("max_drawdown_bps")),
                str(oos.get("round_trips")),
                str(v.get("intact", "-")),
            )
        Console().print(table)

    _emit(views, as_json, render)
    broken = verify and any(not v["intact"] for v in views)
    raise SystemExit(EXIT_NO if broken else EXIT_OK)


@alpha.command()
@JSON_OPT
@click.pass_context
@_guarded
def pool(ctx: click.Context, as_json: bool) -> None:
    """The live pool (alphas in canary, held or live) with weights and their correlation."""
    service = _service(ctx)
    members = [s for s in service.statuses() if s.status in POOL_STATUSES]
    returns = {s.alpha_id: service.latest_returns(s.alpha_id) for s in members}
    views = [
        state_view(s) | {"max_correlation_bps": _max_corr(s.alpha_id, returns)} for s in members
    ]

    def render() -> None:
        table = Table(title="live pool")
        for col in ("alpha", "status", "weight bps", "max corr with pool (bps)"):
            table.add_column(col)
        for v in views:
            table.add_row(
                v["alpha_id"], v["status"], str(v["weight_bps"]), str(v["max_correlation_bps"])
            )
        Console().print(table)

    _emit(views, as_json, render)


def _max_corr(alpha_id: str, returns: dict[str, list[float]]) -> int:
    others = [r for a, r in returns.items() if a != alpha_id]
    return max_pool_correlation_bps(returns[alpha_id], others)


@alpha.command()
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@click.option(
    "--keep-days",
    type=click.IntRange(min=0),
    default=None,
    help="Delete unprotected runs older than this (default: gates.toml retention).",
)
@JSON_OPT
@click.pass_context
@_guarded
def gc(ctx: click.Context, dry_run: bool, keep_days: int | None, as_json: bool) -> None:
    """Delete old research runs, keeping any that passed Gate C or belong to a promoted alpha."""
    service = _service(ctx)
    protected, promoted = service.retention_inputs()
    plan = plan_gc(
        service.registry,
        protected_runs=protected,
        promoted_alphas=promoted,
        now_ns=service.clock.now_ns(),
        keep_days=service.config.keep_days if keep_days is None else keep_days,
    )
    deleted = 0 if dry_run else apply_gc(service.registry, plan)
    view = {
        "dry_run": dry_run,
        "deleted": deleted,
        "delete": [r.run_id for r in plan.delete],
        "keep": [{"run_id": r.run_id, "why": why} for r, why in plan.keep],
    }

    def render() -> None:
        table = Table(title="artifact retention" + (" (dry run)" if dry_run else ""))
        for col in ("run", "alpha", "decision"):
            table.add_column(col)
        for r in plan.delete:
            table.add_row(r.run_id, r.alpha_id, "would delete" if dry_run else "deleted")
        for r, why in plan.keep:
            table.add_row(r.run_id, r.alpha_id, f"keep: {why}")
        Console().print(table)

    _emit(view, as_json, render)


@alpha.command()
@click.argument("alpha_id")
@JSON_OPT
@click.pass_context
@_guarded
def audit(ctx: click.Context, alpha_id: str, as_json: bool) -> None:
    """The full, ordered decision history of ALPHA_ID from the event store, as audit rows."""
    rows = _service(ctx).audit_rows(alpha_id)

    def render() -> None:
        table = Table(title=f"audit: {alpha_id}")
        for col in ("seq", "table", "type", "actor", "gate/stage/tier", "reason / verdict"):
            table.add_column(col)
        for r in rows:
            where = r.get("gate") or r.get("stage") or r.get("tier", "")
            what = r.get("reason") if "reason" in r else ("passed" if r["passed"] else "FAILED")
            table.add_row(str(r["seq"]), r["table"], r["type"], r["actor"], where, str(what))
        Console().print(table)

    _emit(rows, as_json, render)
