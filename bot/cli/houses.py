"""`safecommunity house …`: import the houses CSV and list houses.

The CSV (UTF-8, with or without a BOM, as Excel's "CSV UTF-8" saves it) has one row per
person living in a house; the house columns repeat on each of its rows. Header, in any order:

    grid_code, grid_name, building, house_code, standard_address, kind, risk_colour,
    landlord_name, landlord_id_number, landlord_phone, cadre_name,
    tenant_name, tenant_id_number, tenant_phone, tenant_kind, moved_in

- required on every row: grid_code, building, house_code, standard_address
- kind: rental | owner | vacant (default rental); risk_colour: red | yellow | green (default
  green); tenant_kind: registered (户籍) | floating (流动) | foreign (境外) (default registered)
- ID numbers: 18 characters with a valid GB 11643 check digit; moved_in: YYYY-MM-DD
- a house's first row sets its landlord and cadre (for an owner-occupied house the landlord
  columns name the owner); a row with empty tenant columns is a house with nobody registered
  in it; landlords and tenants are matched by ID number when present
- cadre_name: a cadre not yet a member is created unbound; `safecommunity member add` with the
  same name and role binds them to their Telegram account later
- houses are matched by house_code: importing again updates them

A bad row (e.g. a wrong check digit) is reported with its line number and skipped; the other
rows are imported and the command exits with status 1. See examples/houses.csv.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from bot.cli.common import CliContext, CliError, open_services, print_table, run, warn, when
from bot.cli.progress import Progress
from core.models import House
from core.services import ImportResult
from core.services.house_import import REQUIRED_COLUMNS

COLUMNS = (
    "grid_code",
    "grid_name",
    "building",
    "house_code",
    "standard_address",
    "kind",
    "risk_colour",
    "landlord_name",
    "landlord_id_number",
    "landlord_phone",
    "cadre_name",
    "tenant_name",
    "tenant_id_number",
    "tenant_phone",
    "tenant_kind",
    "moved_in",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    house = sub.add_parser(
        "house", help="import and list houses", description="Houses (实有房屋) and their people."
    )
    hsub = house.add_subparsers(dest="house_command", required=True, metavar="COMMAND")
    importer = hsub.add_parser(
        "import",
        help="import houses, landlords and tenants from a CSV",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument("file", type=Path, metavar="FILE.csv")
    importer.add_argument(
        "--encoding",
        default="utf-8-sig",
        help="file encoding (default utf-8, BOM or not; e.g. gb18030 for older Excel files)",
    )
    importer.set_defaults(handler=cmd_import)
    listing = hsub.add_parser("list", help="list houses", description="List houses.")
    listing.add_argument("--grid", metavar="G", help="only this grid's houses")
    listing.set_defaults(handler=cmd_list)


def read_rows(path: Path, encoding: str = "utf-8-sig") -> tuple[list[dict[str, str]], list[int]]:
    """The CSV's rows and the file line each one ends on; header problems raise CliError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except LookupError:
        raise CliError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path}: not {encoding} text (byte {exc.start}); save it as “CSV UTF-8” "
            "or pass --encoding gb18030"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise CliError(f"{path}: empty file (expected a header row)")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CliError(f"{path}: missing columns: {', '.join(missing)}")
    unknown = [column for column in header if column and column not in COLUMNS]
    if unknown:
        warn(f"warning: {path}: ignoring unknown columns: {', '.join(unknown)}")
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CliError(f"{path}:{reader.line_num}: {exc}") from None
    return rows, lines


def _counted(rows: list[dict[str, str]], bar: Progress) -> Iterator[dict[str, str]]:
    for row in rows:
        yield row
        bar.advance(row.get("house_code", ""))


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> int:
    path: Path = args.file
    rows, lines = read_rows(path, args.encoding)

    settings = ctx.settings

    async def work() -> ImportResult:
        async with open_services(ctx) as services, services() as svc:
            # Grids hang under the community: create it from the settings on a fresh database.
            await svc.houses.ensure_community(
                ctx.actor, settings.community_name, settings.community_phone
            )
            with Progress(f"importing {path.name}", len(rows)) as bar:
                return await svc.houses.import_rows(ctx.actor, _counted(rows, bar))

    result = run(work())
    bad = len(result.errors)
    print(
        f"imported {path}: {result.houses_created} houses created, "
        f"{result.houses_updated} updated, {result.persons_added} residents added, "
        f"{bad} bad row{'s' if bad != 1 else ''}"
    )
    for reported, message in result.errors:
        index = reported - 2
        line = lines[index] if 0 <= index < len(lines) else reported
        warn(f"{path}:{line}: {message}")
    if bad:
        warn(f"{bad} row{'s' if bad != 1 else ''} skipped; fix them and import the file again")
    return 1 if bad else 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> list[House]:
        async with open_services(ctx) as services, services() as svc:
            return list(await svc.houses.list(ctx.actor, grid_code=args.grid))

    houses = run(work())
    if not houses:
        print("no houses" + (f" in grid {args.grid}" if args.grid else ""))
        return 0
    zone = ctx.settings.zone
    print_table(
        ["code", "grid", "kind", "colour", "cadre", "last visit", "standard address"],
        [
            (
                h.code,
                h.grid.code,
                h.kind.value,
                h.risk_colour.value,
                h.cadre.name if h.cadre else "",
                when(h.last_visit_at, zone, "never"),
                h.standard_address,
            )
            for h in houses
        ],
    )
    print(f"{len(houses)} house{'s' if len(houses) != 1 else ''}")
    return 0
