"""`safecommunity watchlist …`: add persons (from a photo) and plates, add another photo of
a watched person, list, end, purge.

Every entry needs a reason and the authority it rests on; it expires after 90 days unless
`--expires` says otherwise (a missing person's entry runs until `watchlist end --found`).
The photos of `add-person` and `add-photo` go through the recognition core's quality gate.
"""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from bot.cli.common import CliContext, CliError, open_services, print_table, run, warn, when
from core.models import WatchlistKind
from core.services.face_templates import FaceEnrolment
from core.services.watchlists import (
    DEFAULT_NAMES,
    EntryView,
    FaceAdded,
    ListView,
    PhotoAdded,
    Purged,
)

LISTS = ", ".join(f"{kind.value} ({name})" for kind, name in DEFAULT_NAMES.items())
FACE_PROBLEMS = {
    "face_none": "no face found in the photo",
    "face_several": "more than one face in the photo: crop it to the one person",
    "face_too_small": "the face is too small: use a closer or larger photo",
    "face_blurred": "the photo is blurred",
    "face_pose": "the face is turned away: use a frontal photo",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    watch = sub.add_parser(
        "watchlist",
        help="watch persons and plates (with reason, authority, expiry)",
        description="Watchlists matched against camera events. Built-in lists: " + LISTS + ".",
    )
    wsub = watch.add_subparsers(dest="watchlist_command", required=True, metavar="COMMAND")

    person = wsub.add_parser(
        "add-person",
        help="watch a person from a face photo",
        description="Watch a person known from a photo. The photo must show one clear, "
        "frontal face (the recognition core's quality gate checks it); its template is "
        "stored and matched against the cameras from now on.",
    )
    person.add_argument("--list", required=True, metavar="LIST", help="kind, id or name")
    person.add_argument("--name", required=True)
    person.add_argument("--photo", required=True, type=Path, metavar="FILE")
    _safeguards(person)
    person.set_defaults(handler=cmd_add_person)

    photo = wsub.add_parser(
        "add-photo",
        help="add another face photo of a watched person",
        description="One more face photo of the person on a live entry (ids: watchlist "
        "list --list LIST). It passes the same quality gate and becomes one more template; "
        "past face_templates_per_person the least sharp older one stops matching.",
    )
    photo.add_argument("--entry", required=True, type=int, metavar="ID")
    photo.add_argument("--photo", required=True, type=Path, metavar="FILE")
    photo.set_defaults(handler=cmd_add_photo)

    plate = wsub.add_parser(
        "add-plate", help="watch a plate", description="Watch a vehicle's plate."
    )
    plate.add_argument("--list", default="vehicles", metavar="LIST", help="default: vehicles")
    plate.add_argument("--plate", required=True, help="e.g. 皖A12345")
    _safeguards(plate)
    plate.set_defaults(handler=cmd_add_plate)

    listing = wsub.add_parser(
        "list",
        help="the lists, or one list's entries",
        description="Without --list: the watch lists and their live entries. With --list: "
        "that list's entries (reason, authority, who added it, expiry).",
    )
    listing.add_argument("--list", metavar="LIST")
    listing.add_argument("--all", action="store_true", help="also ended and expired entries")
    listing.set_defaults(handler=cmd_list)

    end = wsub.add_parser(
        "end",
        help="end an entry now",
        description="End an entry: it stops matching at once and is purged by the next daily "
        "purge; with --found (a missing person), it is kept 30 more days.",
    )
    end.add_argument("--entry", required=True, type=int, metavar="ID")
    end.add_argument("--found", action="store_true", help="the missing person was found")
    end.set_defaults(handler=cmd_end)

    purge = wsub.add_parser(
        "purge",
        help="purge expired entries now",
        description="What the daily job does: delete entries past their end, and the face "
        "templates and photos of persons nothing else keeps.",
    )
    purge.set_defaults(handler=cmd_purge)


def _safeguards(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, help="why (shown to the guards)")
    parser.add_argument(
        "--authority", required=True, help="what it rests on, e.g. a police request number"
    )
    parser.add_argument(
        "--expires",
        metavar="WHEN",
        help="YYYY-MM-DD (end of that day) or N days, e.g. 30d (default 90 days; missing "
        "persons: until found)",
    )


def parse_expiry(text: str | None, zone: ZoneInfo, now: datetime) -> datetime | None:
    """`2027-03-01` (the end of that day, local time) or `30d`; None for the default."""
    if not text:
        return None
    days = re.fullmatch(r"\s*(\d{1,3})\s*d(ays?)?\s*", text)
    if days:
        return now + timedelta(days=int(days.group(1)))
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--expires: {text!r} is neither YYYY-MM-DD nor N days (30d)") from None
    return datetime.combine(day, time(23, 59), tzinfo=zone)


async def enrolment(ctx: CliContext, photo: bytes) -> FaceEnrolment:
    """The photo's one good face through the quality gate (raises CliError otherwise)."""
    from bot.recognition import recognition_config
    from recognition import RecognitionCore
    from recognition.errors import FaceError, RecognitionError

    async with RecognitionCore(recognition_config(ctx.settings)) as core:
        try:
            result = await core.enrol_face(photo)
        except FaceError as exc:
            raise CliError(f"photo refused: {FACE_PROBLEMS.get(exc.code, exc.code)}") from None
        except RecognitionError as exc:
            raise CliError(f"photo refused: {exc.code}") from None
        vector = np.asarray(result.embedding, dtype=np.float32)
        return FaceEnrolment(
            data=photo,
            embedding=vector.tobytes(),
            backend=core.face_info.backend,
            dimensions=int(vector.size),
            quality=round(float(result.face.quality.sharpness), 2),
        )


def cmd_add_person(ctx: CliContext, args: argparse.Namespace) -> int:
    photo = _read(args.photo)

    async def work() -> FaceAdded:
        face = await enrolment(ctx, photo)
        async with open_services(ctx) as services, services() as svc:
            watchlist = await svc.watchlists.find(ctx.actor, args.list, create=True)
            expires = parse_expiry(args.expires, ctx.settings.zone, svc.watchlists.now())
            return await svc.watchlists.add_face(
                ctx.actor,
                watchlist.id,
                name=args.name,
                face=face,
                reason=args.reason,
                authority=args.authority,
                expires=expires,
            )

    added = run(work())
    _print_added(ctx, added.entry)
    warn("the running bot matches the new face within a minute (its gallery follows the database)")
    return 0


def cmd_add_photo(ctx: CliContext, args: argparse.Namespace) -> int:
    photo = _read(args.photo)

    async def work() -> PhotoAdded:
        face = await enrolment(ctx, photo)
        async with open_services(ctx) as services, services() as svc:
            return await svc.watchlists.add_photo(ctx.actor, args.entry, face)

    added = run(work())
    template = added.template
    print(
        f"entry {added.entry.id}: {added.entry.subject} now has {template.count} face "
        f"photo{'s' if template.count != 1 else ''} (limit {template.limit})"
    )
    if template.dropped:
        print(f"{len(template.dropped)} older, least sharp template(s) no longer match")
    warn("the running bot matches the new face within a minute (its gallery follows the database)")
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


def cmd_add_plate(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> EntryView:
        async with open_services(ctx) as services, services() as svc:
            watchlist = await svc.watchlists.find(ctx.actor, args.list, create=True)
            expires = parse_expiry(args.expires, ctx.settings.zone, svc.watchlists.now())
            entry = await svc.watchlists.add_plate(
                ctx.actor,
                watchlist.id,
                args.plate,
                reason=args.reason,
                authority=args.authority,
                expires=expires,
            )
            return await svc.watchlists.get(ctx.actor, entry.id)

    _print_added(ctx, run(work()))
    return 0


def _print_added(ctx: CliContext, entry: EntryView) -> None:
    until = when(entry.expires, ctx.settings.zone, "until ended")
    print(
        f"entry {entry.id}: {entry.subject} on {entry.list_name} ({entry.list_kind.value}), "
        f"reason {entry.reason!r}, authority {entry.authority!r}, expires {until}"
    )


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def lists() -> list[ListView]:
        async with open_services(ctx) as services, services() as svc:
            return await svc.watchlists.lists(ctx.actor)

    async def entries() -> list[EntryView]:
        async with open_services(ctx) as services, services() as svc:
            watchlist = await svc.watchlists.find(ctx.actor, args.list)
            return await svc.watchlists.entries(ctx.actor, watchlist.id, live_only=not args.all)

    zone = ctx.settings.zone
    if not args.list:
        found = run(lists())
        if not found:
            print("no watch lists yet: safecommunity watchlist add-plate --plate … (makes one)")
            return 0
        print_table(
            ["id", "kind", "name", "live entries"],
            [(w.id, w.kind.value, w.name, w.live) for w in found],
        )
        return 0
    rows = run(entries())
    if not rows:
        print("no entries" + ("" if args.all else " (--all shows ended ones)"))
        return 0
    print_table(
        ["id", "subject", "reason", "authority", "added by", "added", "expires", "ended"],
        [
            (
                e.id,
                e.subject,
                e.reason,
                e.authority,
                e.added_by,
                when(e.added_at, zone),
                when(e.expires, zone, "until ended"),
                f"{e.end_reason} {when(e.ended_at, zone)}" if e.ended_at else "",
            )
            for e in rows
        ],
    )
    return 0


def cmd_end(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> EntryView:
        async with open_services(ctx) as services, services() as svc:
            return await svc.watchlists.end(
                ctx.actor, args.entry, reason="found" if args.found else "removed"
            )

    entry = run(work())
    kept = " (kept 30 days, not matching)" if entry.list_kind is WatchlistKind.MISSING else ""
    print(f"ended entry {entry.id}: {entry.subject} no longer matches{kept if args.found else ''}")
    return 0


def cmd_purge(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> Purged:
        async with open_services(ctx) as services, services() as svc:
            purged = await svc.watchlists.purge_expired(ctx.actor)
        async with open_services(ctx) as services, services() as svc:
            await svc.photos.sweep_orphans()
        return purged

    purged = run(work())
    print(
        f"purged {purged.entries} entries, {len(purged.template_ids)} face templates, "
        f"{purged.photos} face photos"
    )
    return 0
