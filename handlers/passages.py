"""/plate and /passages for guards, police and admins: who and what passed the cameras.

`/plate 皖A12345` searches passages by plate with the recognition core's tolerant match
(province, O/0, B/8 …), newest first, each with its snapshot from the sealed photo store;
`/passages [camera] [since]` lists the latest passages one line each. Both are paged with
typed buttons; the service checks the role and audits every read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import NotFound, PermissionDenied
from core.models import Role
from core.serial import persistable
from core.services.passages import BadPlate, PassageView
from core.sightings import PlateMatcher
from handlers.alerts.cards import BANDS
from handlers.common import answer, edit_or_send, esc, send
from handlers.kit.buttons import NoopButton, button, keyboard, on_press, roles
from recognition.plates import best_match

FEATURE = "passages"
ALLOWED = roles(Role.GUARD, Role.POLICE, Role.ADMIN)
PLATE_PAGE, LIST_PAGE = 5, 10
SINCE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%m-%d %H:%M", "%m-%d", "%H:%M")
DIRECTIONS = {"in": "passages.direction.in", "out": "passages.direction.out"}


@persistable("button.plate_page")
@dataclass(frozen=True)
class PlatePage:
    plate: str
    offset: int


@persistable("button.passages_page")
@dataclass(frozen=True)
class PassagesPage:
    camera: str
    since: str  # ISO time, or "" for no limit
    offset: int


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("plate", plate_command))
    application.add_handler(CommandHandler("passages", passages_command))
    on_press(application, FEATURE, PlatePage, plate_pressed, allow=ALLOWED)
    on_press(application, FEATURE, PassagesPage, passages_pressed, allow=ALLOWED)


async def plate_command(update: Update, context: BotContext) -> None:
    """/plate 皖A12345: passages of that plate (up to reading errors), with their photos."""
    plate = "".join(context.args or [])
    if not plate:
        await send(update, context, context.t("passages.plate_usage"))
        return
    await show_plate(update, context, plate, 0)


async def plate_pressed(update: Update, context: BotContext, data: PlatePage) -> None:
    await answer(update)
    await show_plate(update, context, data.plate, data.offset)


async def show_plate(update: Update, context: BotContext, plate: str, offset: int) -> None:
    t, actor, chat = context.t, context.actor, update.effective_chat
    assert chat is not None
    if actor is None:
        await send(update, context, t("passages.not_allowed"))
        return
    try:
        async with context.services() as svc:
            views, total = await svc.passages.by_plate(
                actor, plate, _matcher(context), offset=offset, limit=PLATE_PAGE
            )
            photos = [
                await svc.passages.snapshot(actor, v.id, reason=f"plate {plate}")
                if v.snapshot_id
                else None
                for v in views
            ]
    except PermissionDenied:
        await send(update, context, t("passages.not_allowed"))
        return
    except BadPlate:
        await send(update, context, t("passages.plate_usage"))
        return
    if not views:
        await send(update, context, t("passages.plate_none", plate=esc(plate)))
        return
    for view, photo in zip(views, photos, strict=True):
        line = _line(t, view)
        if photo is None:
            await context.bot.send_message(chat.id, line)
        else:
            await context.bot.send_photo(chat.id, photo, caption=line)
    title = t.ngettext(
        "passages.plate_title", "passages.plate_title.plural", total, plate=esc(plate)
    )
    pager = _pager(offset, PLATE_PAGE, total, lambda at: PlatePage(plate, at))
    await send(update, context, title, keyboard([pager]))


async def passages_command(update: Update, context: BotContext) -> None:
    """/passages [camera] [since]: the latest passages, one line each."""
    args = list(context.args or [])
    since = _since(" ".join(args), context.t)
    camera = ""
    if since is None and args:
        camera, since = args[0], _since(" ".join(args[1:]), context.t)
        if since is None and len(args) > 1:
            await send(update, context, context.t("passages.list_usage"))
            return
    await show_list(update, context, camera, since.isoformat() if since else "", 0)


async def passages_pressed(update: Update, context: BotContext, data: PassagesPage) -> None:
    await show_list(update, context, data.camera, data.since, data.offset)
    await answer(update)


async def show_list(
    update: Update, context: BotContext, camera: str, since: str, offset: int
) -> None:
    t, actor = context.t, context.actor
    if actor is None:
        await send(update, context, t("passages.not_allowed"))
        return
    try:
        async with context.services() as svc:
            views, total = await svc.passages.latest(
                actor,
                camera=camera or None,
                since=datetime.fromisoformat(since) if since else None,
                offset=offset,
                limit=LIST_PAGE,
            )
    except PermissionDenied:
        await send(update, context, t("passages.not_allowed"))
        return
    except NotFound:
        await send(update, context, t("passages.no_camera", camera=esc(camera)))
        return
    if not views:
        await edit_or_send(update, context, t("passages.list_none"))
        return
    lines = [t.ngettext("passages.list_title", "passages.list_title.plural", total)]
    lines += [_line(t, v) for v in views]
    pager = _pager(offset, LIST_PAGE, total, lambda at: PassagesPage(camera, since, at))
    await edit_or_send(update, context, "\n".join(lines), keyboard([pager]))


def _matcher(context: BotContext) -> PlateMatcher:
    """The recognition core's tolerant match (its configured distance and local province)."""
    core = context.deps.recognition
    if core is not None:
        return core.match_watchlist
    return lambda plate, watched: best_match(plate, watched)  # the defaults, without a core


def _line(t: Translator, view: PassageView) -> str:
    """time · camera · direction · person (masked) / plate · band."""
    who = " ".join(esc(x) for x in (view.person, view.plate) if x) or t("passages.unknown")
    parts = [t.short_datetime(view.seen_at), esc(view.camera)]
    if view.direction in DIRECTIONS:
        parts.append(t(DIRECTIONS[view.direction]))
    parts.append(who)
    if view.band is not None:
        parts.append(t(BANDS.get(view.band, "alerts.band.match")))
    return " · ".join(parts)


def _pager(offset: int, size: int, total: int, page: Any) -> list[Any]:
    pages, here = (total + size - 1) // size, offset // size + 1
    row = []
    if offset > 0:
        row.append(button("◀️", page(max(0, offset - size))))
    if pages > 1:
        row.append(button(f"{here}/{pages}", NoopButton()))
    if offset + size < total:
        row.append(button("▶️", page(offset + size)))
    return row


def _since(text: str, t: Translator) -> datetime | None:
    """A date and/or time in the community's zone (2026-12-01 08:00, 12-01, 08:00), or None."""
    text = " ".join(text.split())
    if not text:
        return None
    today = datetime.now(t.zone).date()
    for pattern in SINCE_FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 (zone set below)
        except ValueError:
            continue
        if pattern == "%H:%M":
            return datetime.combine(today, parsed.time(), t.zone)
        if "%Y" not in pattern:
            parsed = parsed.replace(year=today.year)
        day = date(parsed.year, parsed.month, parsed.day)
        return datetime.combine(day, parsed.time() if "%H" in pattern else time(), t.zone)
    return None
