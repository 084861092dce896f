"""/myreports (a reporter's own and followed reports) and /reports [state] [grid] for staff."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import NotFound, PermissionDenied
from core.models import ReportStatus
from core.services.reports import ReportView
from handlers.common import answer, edit_or_send, send
from handlers.kit import menu
from handlers.reports.notices import kind_label, status_label


def line(t: Translator, view: ReportView) -> str:
    return t(
        "report.list.line",
        id=view.id,
        kind=kind_label(t, view.category, view.hazard),
        status=status_label(t, view.status),
        place=view.place or "—",
        time=t.short_datetime(view.created_at),
    )


def listing(t: Translator, title: str, views: Sequence[ReportView], empty: str) -> str:
    if not views:
        return empty
    return "\n".join([title, "", *(line(t, v) for v in views)])


async def my_reports(update: Update, context: BotContext) -> None:
    """/myreports: what this account filed or follows (nobody else's)."""
    user = update.effective_user
    assert user is not None
    t = context.t
    async with context.services() as svc:
        views = await svc.reports.mine(user.id)
    await send(update, context, listing(t, t("report.mine.title"), views, t("report.mine.none")))


async def staff_reports(update: Update, context: BotContext) -> None:
    """/reports [state] [grid], or 📣 in a staff menu (edited in place, with ⬅️): open reports
    (or of one state), of one grid if given."""
    t = context.t
    args = list(context.args or [])
    status: ReportStatus | None = None
    grid: str | None = None
    for arg in args:
        try:
            status = ReportStatus(arg.lower())
        except ValueError:
            grid = arg
    text = await _staff_listing(context, status, grid)
    if update.callback_query is not None:
        await edit_or_send(update, context, text, menu.back_markup(t, context.member))
        await answer(update)
    else:
        await send(update, context, text)


async def _staff_listing(
    context: BotContext, status: ReportStatus | None, grid: str | None
) -> str:
    t = context.t
    if context.actor is None:
        return t("report.denied")
    try:
        async with context.services() as svc:
            views = await svc.reports.staff_list(context.actor, status=status, grid_code=grid)
    except PermissionDenied:
        return t("report.denied")
    except NotFound:
        return t("report.list.no_grid", grid=grid or "")
    states = ", ".join(s.value for s in ReportStatus)
    text = listing(t, t("report.list.title"), views, t("report.list.none"))
    return f"{text}\n\n{t('report.list.hint', states=states)}"
