"""🚨 in the guard's and police's menu: open alerts, newest first, paged; one tap opens one."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import NotFound
from core.notify import Notice, Rendered
from core.serial import persistable
from core.services.alerts import AlertView
from handlers.alerts.cards import KIND_TITLES, buttons, caption
from handlers.common import answer, edit_or_send, send
from handlers.kit.buttons import NoopButton, button, keyboard
from handlers.kit.menu import back_button

PAGE = 5
DIGEST_LINES, DIGEST_BUTTONS = 15, 8


@persistable("button.alerts_page")
@dataclass(frozen=True)
class AlertsPage:
    offset: int


@persistable("button.alert_open")
@dataclass(frozen=True)
class AlertOpen:
    alert_id: int


async def show_menu(update: Update, context: BotContext) -> None:
    """🚨 from the main menu: the first page."""
    await show_page(update, context, 0)


async def page_pressed(update: Update, context: BotContext, data: AlertsPage) -> None:
    await show_page(update, context, data.offset)


async def show_page(update: Update, context: BotContext, offset: int) -> None:
    t, actor = context.t, context.actor
    assert actor is not None
    async with context.services() as svc:
        views, total = await svc.alerts.open_alerts(actor, offset=max(0, offset), limit=PAGE)
    if not views:
        await edit_or_send(update, context, t("alerts.none"), keyboard([[back_button(t)]]))
        await answer(update)
        return
    rows = [
        [
            button(
                t(
                    "alerts.list_item",
                    kind=t(KIND_TITLES.get(v.kind, "alerts.kind.other")),
                    subject=v.subject,
                    time=t.short_datetime(v.first_seen),
                ),
                AlertOpen(v.id),
            )
        ]
        for v in views
    ]
    pages = (total + PAGE - 1) // PAGE
    here = offset // PAGE + 1
    paging = []
    if offset > 0:
        paging.append(button("◀️", AlertsPage(max(0, offset - PAGE))))
    if pages > 1:
        paging.append(button(f"{here}/{pages}", NoopButton()))
    if offset + PAGE < total:
        paging.append(button("▶️", AlertsPage(offset + PAGE)))
    rows += [paging, [back_button(t)]]
    text = t.ngettext("alerts.list_title", "alerts.list_title.plural", total)
    await edit_or_send(update, context, text, keyboard(rows))
    await answer(update)


async def open_pressed(update: Update, context: BotContext, data: AlertOpen) -> None:
    """One alert as its card, with the same buttons as in the group."""
    t, actor = context.t, context.actor
    assert actor is not None
    try:
        async with context.services() as svc:
            view = await svc.alerts.get(actor, data.alert_id)
    except NotFound:
        await answer(update, t("alerts.gone"), alert=True)
        return
    rows = [[button(label, d) for label, d in row] for row in buttons(t, view)]
    await send(update, context, caption(t, view), keyboard(rows))
    await answer(update)


def render_digest(t: Translator, notice: Notice) -> Rendered:
    """Alerts folded into one message for a busy guard group; a tap opens one."""
    views: list[AlertView] = notice.params["views"]
    lines = [t.ngettext("alerts.digest_title", "alerts.digest_title.plural", len(views))]
    for v in views[:DIGEST_LINES]:
        lines.append(
            t(
                "alerts.digest_item",
                kind=t(KIND_TITLES.get(v.kind, "alerts.kind.other")),
                subject=v.subject,
                camera=v.camera,
                time=t.short_datetime(v.last_seen),
            )
        )
    if len(views) > DIGEST_LINES:
        lines.append(t("alerts.digest_more", count=len(views) - DIGEST_LINES))
    rows = [
        [(t("alerts.digest_open", id=v.id, subject=v.subject), AlertOpen(v.id))]
        for v in views[:DIGEST_BUTTONS]
    ]
    return Rendered("\n".join(lines), rows)
