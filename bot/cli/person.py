"""`safecommunity person show|export|erase`: a person's record, access and erasure requests."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CliContext, CliError, open_services, print_table, run, when
from core.services.privacy.records import PersonMatch, PersonRecord
from core.services.privacy.requests import Erasure, write_archive
from core.services.privacy.retention import remove_unreferenced

ERASED = "(erased)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    person = sub.add_parser(
        "person",
        help="a person's record; access and erasure requests",
        description="Find a person and show their record (masked); export everything held "
        "about them (PIPL art. 45) or erase them (art. 47). Every use is audited.",
    )
    psub = person.add_subparsers(dest="person_command", required=True, metavar="COMMAND")

    show = psub.add_parser(
        "show",
        help="search and show a record",
        description="Search by a name, an ID number or its last digits, a phone or a plate; "
        "one match shows the record, several are listed. --id shows a record directly.",
    )
    show.add_argument("query", nargs="?", default="", help="name, ID digits, phone or plate")
    show.add_argument("--id", type=int, dest="person_id", metavar="N")
    show.add_argument("--days", type=int, default=30, metavar="N", help="passages of N days")
    show.add_argument(
        "--reveal-id", action="store_true", help="show the full ID number (needs --reason)"
    )
    show.add_argument("--reason", default="", help="why the full ID number is needed")
    show.set_defaults(handler=cmd_show)

    export = psub.add_parser(
        "export",
        help="write everything held about a person to a zip",
        description="Write one zip: record.json (ID number and phone in full), audit.json "
        "(the audit entries about the person) and their pictures, decrypted. The file is "
        "owner-only: hand it over and delete it.",
    )
    export.add_argument("--id", type=int, dest="person_id", required=True, metavar="N")
    export.add_argument("--out", type=Path, metavar="FILE", help="default: person-N.zip")
    export.add_argument("--reason", default="", help="the request being answered")
    export.set_defaults(handler=cmd_export)

    erase = psub.add_parser(
        "erase",
        help="erase a person's pictures, templates and personal fields",
        description="Remove the person's pictures, face templates and personal fields and "
        "their links to houses, lists and passages; the record stays with when and why it "
        "was erased. Refused while an active watchlist entry holds the person. Restart a "
        "running bot afterwards so that its gallery forgets the face.",
    )
    erase.add_argument("--id", type=int, dest="person_id", required=True, metavar="N")
    erase.add_argument("--reason", required=True, help="why (kept with the record)")
    erase.set_defaults(handler=cmd_erase)


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    if args.person_id is None and not args.query.strip():
        raise CliError("give a name, ID digits, a phone or a plate, or --id N", 2)
    if args.reveal_id and not args.reason.strip():
        raise CliError("--reveal-id needs --reason", 2)

    async def work() -> tuple[list[PersonMatch], PersonRecord | None, str]:
        async with open_services(ctx) as services, services() as svc:
            records = svc.person_records
            person_id = args.person_id
            matches: list[PersonMatch] = []
            if person_id is None:
                matches = await records.search(ctx.actor, args.query, flow="cli")
                if len(matches) != 1:
                    return matches, None, ""
                person_id = matches[0].id
            record = await records.record(ctx.actor, person_id, days=args.days, flow="cli")
            full = ""
            if args.reveal_id:
                full = await records.reveal_id_number(
                    ctx.actor, person_id, args.reason, flow="cli"
                )
            return matches, record, full

    matches, record, full = run(work())
    if record is None:
        if not matches:
            print("no person found")
            return 1
        print_table(
            ["id", "name", "ID number", "phone"],
            [(m.id, _name(m), m.id_number_masked, m.phone_masked) for m in matches],
        )
        print(f"{len(matches)} persons: show one with --id N")
        return 0
    print_record(ctx, record, full)
    return 0


def _name(match: PersonMatch) -> str:
    return ERASED if match.erased else match.name


def print_record(ctx: CliContext, record: PersonRecord, full_id: str = "") -> None:
    zone = ctx.settings.zone
    p = record.person
    print(f"person {p.id}: {_name(p)} ({p.kind.value})")
    print(f"ID number: {full_id or p.id_number_masked or '—'}   phone: {p.phone_masked or '—'}")
    if record.erased_at is not None:
        print(f"erased {when(record.erased_at, zone)}: {record.erasure_reason}")
    if record.pictures_purged_at is not None:
        print(f"pictures purged (retention) {when(record.pictures_purged_at, zone)}")
    print(f"pictures: {len(record.pictures)}   face templates: {record.templates}")
    sections: list[tuple[str, list[str], list[tuple[object, ...]]]] = [
        (
            "residencies",
            ["house", "address", "role", "in", "out"],
            [
                (r.house_code, r.address, r.role.value, r.moved_in or "", r.moved_out or "")
                for r in record.residencies
            ],
        ),
        (
            "visits to their houses",
            ["visit", "house", "when", "cadre", "status"],
            [
                (v.id, v.house_code, when(v.started_at, zone), v.cadre, v.status.value)
                for v in record.visits
            ],
        ),
        (
            "reports filed",
            ["report", "category", "status", "when"],
            [
                (r.id, r.category.value, r.status.value, when(r.created_at, zone))
                for r in record.reports
            ],
        ),
        (
            "watchlist entries",
            ["entry", "watchlist", "kind", "by", "until", "note"],
            [
                (
                    w.entry_id,
                    w.watchlist,
                    w.kind.value,
                    w.authority,
                    when(w.valid_until, zone, "open") if w.active else "ended",
                    w.note,
                )
                for w in record.watchlist
            ],
        ),
        (
            f"passages, last {record.passage_days} days",
            ["when", "camera", "direction", "band", "plate"],
            [
                (
                    when(x.seen_at, zone),
                    x.camera,
                    x.direction,
                    x.band.value if x.band else "",
                    x.plate or "",
                )
                for x in record.passages
            ],
        ),
    ]
    for title, headers, rows in sections:
        print()
        if not rows:
            print(f"{title}: none")
            continue
        print(f"{title}:")
        print_table(headers, rows)


def cmd_export(ctx: CliContext, args: argparse.Namespace) -> int:
    out: Path = args.out or Path(f"person-{args.person_id}.zip")
    if out.exists():
        raise CliError(f"{out} exists: choose another --out")

    async def work() -> int:
        async with open_services(ctx) as services, services() as svc:
            export = await svc.person_requests.export(
                ctx.actor, args.person_id, reason=args.reason
            )
            write_archive(export, out)  # inside the unit of work: no file, no audit entry
            return len(export.pictures)

    pictures = run(work())
    print(f"wrote {out} (record, audit entries, {pictures} pictures); it is owner-only")
    return 0


def cmd_erase(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[Erasure, int]:
        async with open_services(ctx) as services:
            async with services() as svc:
                erased = await svc.person_requests.erase(ctx.actor, args.person_id, args.reason)
            return erased, await remove_unreferenced(services, erased.files)

    erased, files = run(work())
    print(
        f"erased person {erased.person_id}: {erased.photos} pictures ({files} files), "
        f"{erased.templates} face templates, {erased.residencies} residencies, "
        f"{erased.watchlist_entries} watchlist entries; {erased.passages} passages unlinked"
    )
    if erased.templates:
        print("restart a running bot so that its gallery forgets the face")
    return 0
