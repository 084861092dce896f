"""📋 Watchlists for police and admins: the lists, a list's entries (reason, authority, who,
expiry), one entry, and ending it after a confirmation. Every button is a `WatchButton`;
adding an entry is the flow in `handlers.watchlists.add`, adding a person's photo the one in
`handlers.watchlists.photo`."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.errors import NotFound
from core.flows.watch_add import WatchFlowAction, WatchFlowButton
from core.flows.watch_photo import WatchPhotoAction, WatchPhotoButton
from core.models import WatchlistKind
from core.serial import persistable
from core.services.watchlists import EntryView
from handlers.admin.common import page_of, pager
from handlers.common import answer, edit_or_send
from handlers.kit.buttons import button, keyboard
from handlers.kit.menu import back_button

PAGE = 6
KIND_LABELS = {
    WatchlistKind.PERSONS_OF_INTEREST: N_("watchlists.kind.persons_of_interest"),
    WatchlistKind.CARE: N_("watchlists.kind.care"),
    WatchlistKind.MISSING: N_("watchlists.kind.missing"),
    WatchlistKind.VEHICLES: N_("watchlists.kind.vehicles"),
}
ENDED = {
    "removed": N_("watchlists.ended.removed"),
    "found": N_("watchlists.ended.found"),
    "expired": N_("watchlists.ended.expired"),
}
ICONS = {
    WatchlistKind.PERSONS_OF_INTEREST: "🎯",
    WatchlistKind.CARE: "🤝",
    WatchlistKind.MISSING: "🆘",
    WatchlistKind.VEHICLES: "🚗",
}


class WatchAction(enum.StrEnum):
    LISTS = "lists"
    LIST = "list"
    ENTRY = "entry"
    END = "end"  # the confirmation
    END_OK = "end_ok"
    FOUND_OK = "found_ok"  # a missing person was found


@persistable("button.watchlists")
@dataclass(frozen=True)
class WatchButton:
    action: WatchAction
    list_id: int = 0
    entry_id: int = 0
    page: int = 0


def kind_label(kind: WatchlistKind, t: Translator) -> str:
    return t(KIND_LABELS.get(kind, "watchlists.kind.vehicles"))


def expiry_text(t: Translator, entry: EntryView) -> str:
    if entry.ended_at is not None:
        key = ENDED.get(entry.end_reason, ENDED["removed"])
        return t(key, date=_day(t, entry))
    if entry.expires is None:
        return t("watchlists.until_found")
    return t("watchlists.expires", date=t.short_date(entry.expires.astimezone(t.zone).date()))


def _day(t: Translator, entry: EntryView) -> str:
    moment = entry.ended_at or entry.expires
    return t.short_date(moment.astimezone(t.zone).date()) if moment else ""


def entry_text(t: Translator, entry: EntryView) -> str:
    return t(
        "watchlists.entry",
        icon=ICONS.get(entry.list_kind, "📋"),
        subject=entry.subject,
        list=entry.list_name,
        reason=entry.reason,
        authority=entry.authority or "—",
        added_by=entry.added_by or "—",
        added=t.short_date(entry.added_at.astimezone(t.zone).date()),
        expiry=expiry_text(t, entry),
    )


async def show_menu(update: Update, context: BotContext) -> None:
    """📋 from the main menu: the watch lists."""
    await show_lists(update, context)
    await answer(update)


async def show_lists(update: Update, context: BotContext) -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    async with context.services() as svc:
        lists = await svc.watchlists.lists(actor)
    rows = [
        [
            button(
                t(
                    "watchlists.list_button",
                    icon=ICONS.get(w.kind, "📋"),
                    name=w.name,
                    count=w.live,
                ),
                WatchButton(WatchAction.LIST, w.id),
            )
        ]
        for w in lists
    ]
    rows.append([back_button(t)])
    text = t("watchlists.title") if lists else t("watchlists.none")
    await edit_or_send(update, context, text, keyboard(rows))


async def show_list(
    update: Update, context: BotContext, list_id: int, page: int = 0, note: str = ""
) -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    async with context.services() as svc:
        lists = {w.id: w for w in await svc.watchlists.lists(actor)}
        entries = await svc.watchlists.entries(actor, list_id, live_only=True)
    watchlist = lists.get(list_id)
    if watchlist is None:
        await show_lists(update, context)
        return
    shown, page, pages = page_of(entries, page, PAGE)
    lines = [
        t(
            "watchlists.list_title",
            icon=ICONS.get(watchlist.kind, "📋"),
            name=watchlist.name,
            kind=kind_label(watchlist.kind, t),
        ),
        t.ngettext("watchlists.count", "watchlists.count.plural", len(entries)),
    ]
    if note:
        lines.insert(0, note)
    lines += ["", *(entry_text(t, e) for e in shown)] if shown else []
    rows: list[list[InlineKeyboardButton]] = [
        [
            button(
                f"{ICONS.get(e.list_kind, '📋')} {e.subject}",
                WatchButton(WatchAction.ENTRY, entry_id=e.id),
            )
        ]
        for e in shown
    ]
    rows.append(pager(page, pages, lambda p: WatchButton(WatchAction.LIST, list_id, page=p)))
    add = (
        "watchlists.add_plate"
        if watchlist.kind is WatchlistKind.VEHICLES
        else "watchlists.add_person"
    )
    rows.append([button(t(add), WatchFlowButton(WatchFlowAction.START, list_id=list_id))])
    rows.append([button(t("menu.back"), WatchButton(WatchAction.LISTS))])
    await edit_or_send(update, context, "\n".join(lines), keyboard(rows))


async def show_entry(update: Update, context: BotContext, entry_id: int, note: str = "") -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    async with context.services() as svc:
        entry = await svc.watchlists.get(actor, entry_id)
    rows = []
    if entry.live and entry.person_id is not None:
        photo = WatchPhotoButton(WatchPhotoAction.START, entry_id=entry.id)
        rows.append([button(t("watchlists.add_photo"), photo)])
    if entry.live:
        if entry.list_kind is WatchlistKind.MISSING:
            rows.append(
                [
                    button(
                        t("watchlists.found"),
                        WatchButton(WatchAction.FOUND_OK, entry.watchlist_id, entry.id),
                    )
                ]
            )
        rows.append(
            [
                button(
                    t("watchlists.end"), WatchButton(WatchAction.END, entry.watchlist_id, entry.id)
                )
            ]
        )
    rows.append([button(t("menu.back"), WatchButton(WatchAction.LIST, entry.watchlist_id))])
    text = entry_text(t, entry)
    await edit_or_send(update, context, f"{note}\n{text}" if note else text, keyboard(rows))


async def confirm_end(update: Update, context: BotContext, data: WatchButton) -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    async with context.services() as svc:
        entry = await svc.watchlists.get(actor, data.entry_id)
    rows = [
        [
            button(
                t("watchlists.end_yes"),
                WatchButton(WatchAction.END_OK, data.list_id, data.entry_id),
            )
        ],
        [button(t("menu.back"), WatchButton(WatchAction.ENTRY, data.list_id, data.entry_id))],
    ]
    text = t("watchlists.end_confirm", subject=entry.subject, list=entry.list_name)
    await edit_or_send(update, context, text, keyboard(rows))


async def pressed(update: Update, context: BotContext, data: WatchButton) -> None:
    """Every button of the 📋 screens."""
    t, actor = context.t, context.actor
    assert actor is not None
    try:
        if data.action is WatchAction.LISTS:
            await show_lists(update, context)
        elif data.action is WatchAction.LIST:
            await show_list(update, context, data.list_id, data.page)
        elif data.action is WatchAction.ENTRY:
            await show_entry(update, context, data.entry_id)
        elif data.action is WatchAction.END:
            await confirm_end(update, context, data)
        else:
            found = data.action is WatchAction.FOUND_OK
            async with context.services() as svc:
                entry = await svc.watchlists.end(
                    actor, data.entry_id, reason="found" if found else "removed"
                )
            toast = t("watchlists.found_toast") if found else t("watchlists.ended_toast")
            note = t("watchlists.ended_note", subject=entry.subject)
            await show_list(update, context, entry.watchlist_id, note=note)
            await answer(update, toast)
            return
    except NotFound:
        await answer(update, t("watchlists.gone"), alert=True)
        return
    await answer(update)
