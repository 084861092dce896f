"""`safecommunity rule …`: add, list and disable alert rules, or load a rules file.

The rules file is a small YAML file (its format: docs/rules.md, an example:
examples/rules.yaml); `rule load FILE --check` only validates it, and every problem is shown
with its line number. Loading again updates the rules with the same names.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bot.cli.common import CliContext, CliError, grid_codes, open_services, print_table, run
from core.models import AlertRule
from core.services.alerts.rulefile import KINDS, SEVERITIES, RuleFileError, RuleSpec, check
from core.services.alerts.rulefile import parse_file as parse_rules
from core.services.alerts.rules import Loaded


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rule = sub.add_parser(
        "rule",
        help="alert rules: add, list, disable, load a rules file",
        description="Alert rules turn camera sightings into alerts for the guard groups.",
    )
    rsub = rule.add_subparsers(dest="rule_command", required=True, metavar="COMMAND")
    add = rsub.add_parser(
        "add",
        help="add a rule",
        description="Add a rule. Kinds: " + ", ".join(KINDS) + ". Example: safecommunity "
        "rule add --name 'doors at night' --kind stranger --layers 3 --count 3 --minutes 10 "
        "--window 'mon-sun 22:00-06:00'",
    )
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, choices=sorted(KINDS))
    add.add_argument("--layers", metavar="N,N", help="defence layers, e.g. 3 or 2,3")
    add.add_argument("--cameras", metavar="ID,ID", help="camera ids")
    add.add_argument("--grid", metavar="CODE")
    add.add_argument("--list", metavar="NAME", help="appears rules: one watchlist by name")
    add.add_argument("--count", type=int, help="stranger: passages …")
    add.add_argument("--minutes", type=int, help="… within this many minutes")
    add.add_argument(
        "--window",
        action="append",
        default=[],
        metavar="'DAYS HH:MM-HH:MM'",
        help="a weekly time window, e.g. 'mon-fri 22:00-06:00' (repeatable)",
    )
    add.add_argument("--days", type=int, help="long_absence: not seen for this many days")
    add.add_argument("--seconds", type=int, help="tailgating: after an authorised entry")
    add.add_argument("--cooldown", type=int, default=600, metavar="SECONDS")
    add.add_argument("--severity", choices=SEVERITIES, default="normal")
    add.add_argument("--min-band", choices=["match", "possible"])
    add.set_defaults(handler=cmd_add)
    rsub.add_parser("list", help="list the rules", description="List the rules.").set_defaults(
        handler=cmd_list
    )
    disable = rsub.add_parser("disable", help="disable a rule", description="Disable a rule.")
    disable.add_argument("--id", type=int, required=True)
    disable.set_defaults(handler=cmd_disable)
    load = rsub.add_parser(
        "load",
        help="load (or check) a rules file",
        description="Load a YAML rules file (format: docs/rules.md). Rules are matched by "
        "name: a name seen before updates that rule.",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--check", action="store_true", help="validate only, change nothing")
    load.set_defaults(handler=cmd_load)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _window(text: str) -> dict[str, str]:
    days, _, hours = text.strip().rpartition(" ")
    start, _, end = hours.partition("-")
    return {"days": days or "daily", "start": start, "end": end}


def spec_from_args(args: argparse.Namespace) -> RuleSpec:
    values: dict[str, object] = {
        "name": args.name,
        "kind": args.kind,
        "cooldown": args.cooldown,
        "severity": args.severity,
    }
    try:
        if args.layers:
            values["layers"] = [int(n) for n in _split(args.layers)]
    except ValueError as exc:
        raise CliError("--layers: whole numbers, e.g. 3 or 2,3") from exc
    optional = {
        "cameras": _split(args.cameras) or None,
        "grid": args.grid,
        "list": args.list,
        "count": args.count,
        "minutes": args.minutes,
        "min_band": args.min_band,
        "days": args.days,
        "seconds": args.seconds,
        "windows": [_window(w) for w in args.window] or None,
    }
    values.update({k: v for k, v in optional.items() if v is not None})
    found = check(values, lambda key: "--" + key.replace("_", "-"))
    if not isinstance(found, RuleSpec):
        raise CliError("\n".join(found))
    return found


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    spec = spec_from_args(args)

    async def work() -> AlertRule:
        async with open_services(ctx) as services, services() as svc:
            return await svc.rules.add(ctx.actor, spec)

    rule = run(work())
    print(f"added rule {rule.id}: {spec.name} ({spec.kind.value})")
    return 0


def cmd_disable(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> AlertRule:
        async with open_services(ctx) as services, services() as svc:
            return await svc.rules.disable(ctx.actor, args.id)

    rule = run(work())
    print(f"disabled rule {rule.id} ({rule.kind.value})")
    return 0


def cmd_load(ctx: CliContext, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}") from exc
    try:
        specs = parse_rules(text)
    except RuleFileError as exc:
        raise CliError(
            f"{args.file}: {len(exc.problems)} problem(s)\n"
            + "\n".join(f"  {args.file}:{p.removeprefix('line ')}" for p in exc.problems)
        ) from exc
    if args.check:
        print(f"{args.file}: {len(specs)} rule(s), no problems")
        return 0

    async def work() -> Loaded:
        async with open_services(ctx) as services, services() as svc:
            return await svc.rules.load(ctx.actor, specs)

    loaded = run(work())
    print(f"{args.file}: {loaded.added} rule(s) added, {loaded.updated} updated")
    return 0


def describe(rule: AlertRule, grids: dict[int, str]) -> Sequence[object]:
    params = rule.params
    scope = []
    if rule.grid_id:
        scope.append(f"grid {grids.get(rule.grid_id, rule.grid_id)}")
    if params.get("layers"):
        scope.append("layers " + ",".join(str(n) for n in params["layers"]))
    if params.get("cameras"):
        scope.append("cameras " + ",".join(params["cameras"]))
    if params.get("seconds"):
        scope.append(f"within {params['seconds']} s")
    if params.get("days"):
        scope.append(f"not seen for {params['days']} days")
    if params.get("count"):
        scope.append(f"{params['count']}× in {params.get('minutes', 10)} min")
    windows = "; ".join(f"{w['days']} {w['start']}-{w['end']}" for w in params.get("windows", []))
    name = params.get("name") or ("(default)" if params.get("default") else "")
    return (
        rule.id,
        name,
        rule.kind.value,
        "yes" if rule.enabled else "no",
        ", ".join(scope) or "everywhere",
        windows or "always",
        params.get("severity", "normal"),
        rule.cooldown_seconds,
    )


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[list[AlertRule], dict[int, str]]:
        async with open_services(ctx) as services, services() as svc:
            return list(await svc.rules.list(ctx.actor)), await grid_codes(svc)

    rules, grids = run(work())
    if not rules:
        print("no rules yet: safecommunity init adds the default ones")
        return 0
    print_table(
        ["id", "name", "kind", "enabled", "where", "when", "severity", "cool-down s"],
        [describe(rule, grids) for rule in rules],
    )
    return 0
