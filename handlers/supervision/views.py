"""/myvisits (a cadre's own visits and what is due) and /visits (the team's numbers + chart).

The services decide who may see what; a refusal becomes a message that says where to look
instead (a cadre asking for /visits), or the unknown-command answer for roles this is not
for at all, so residents and guards never learn these commands exist.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction

from bot.charts import BarSeries, DailyBars, daily_bars_png, fold_series
from bot.context import BotContext
from bot.i18n import N_, Translator
from core.errors import ConfigurationError, PermissionDenied
from core.models import Role
from core.services.supervision import DueHouse, MyVisits, RecentVisit, TeamStats
from handlers.common import COLOUR_ICONS, answer, edit_or_send, send
from handlers.kit.menu import back_markup
from handlers.supervision.text import relative_due, split_text

log = logging.getLogger(__name__)


def minutes(t: Translator, seconds: float) -> str:
    return t("supervision.minutes", n=max(1, round(seconds / 60)) if seconds > 0 else 0)


async def _refuse(update: Update, context: BotContext, role: Role, msgid: str) -> None:
    """Tell `role` (who might expect the command) where to look; to others it is unknown."""
    member = context.member
    text = msgid if member is not None and member.role is role else N_("help.unknown_command")
    await send(update, context, context.t(text))


# --- /myvisits ------------------------------------------------------------------------------


def _recent_line(t: Translator, visit: RecentVisit) -> str:
    line = t(
        "supervision.my.recent_line",
        when=t.short_datetime(visit.finished_at),
        code=visit.code,
        address=visit.address,
        duration=minutes(t, visit.duration.total_seconds()),
    )
    return line if visit.assigned else f"{line} · {t('supervision.my.covering')}"


def _due_line(t: Translator, house: DueHouse) -> str:
    return t(
        "supervision.house_line",
        icon=COLOUR_ICONS[house.risk_colour],
        code=house.code,
        address=house.address,
        when=relative_due(t, house.days_left),
    )


def render_my_visits(t: Translator, overview: MyVisits) -> str:
    lines = [t("supervision.my.title"), "", t("supervision.my.recent")]
    lines += [_recent_line(t, v) for v in overview.recent] or [t("supervision.my.no_recent")]
    lines += ["", t("supervision.my.due", n=len(overview.due))]
    if overview.due:
        lines += [_due_line(t, h) for h in overview.due]
    elif overview.assigned_houses:
        lines.append(t("supervision.my.none_due"))
    else:
        lines.append(t("supervision.my.no_houses"))
    return "\n".join(lines)


async def _my_visits_chunks(update: Update, context: BotContext) -> list[str] | None:
    """The overview's text in chunks; None (after saying why) when it is not for them."""
    actor = context.actor
    if actor is not None:
        try:
            async with context.services() as svc:
                overview = await svc.supervision.my_overview(actor)
        except PermissionDenied:
            pass
        else:
            return split_text(render_my_visits(context.t, overview))
    await _refuse(update, context, Role.POLICE, N_("supervision.myvisits_not_allowed"))
    return None


async def my_visits(update: Update, context: BotContext) -> None:
    """/myvisits, or the 📋 button on a reminder: a new message (the reminder stays)."""
    chunks = await _my_visits_chunks(update, context)
    await answer(update)
    for chunk in chunks or []:
        await send(update, context, chunk)


async def my_visits_menu(update: Update, context: BotContext) -> None:
    """The cadre menu's ⚠️ item: the same overview, edited in place, with ⬅️ Back."""
    chunks = await _my_visits_chunks(update, context)
    if chunks:
        markup = back_markup(context.t, context.member)
        *first, last = chunks
        if first:
            await edit_or_send(update, context, first[0])
            for chunk in first[1:]:
                await send(update, context, chunk)
            await send(update, context, last, markup)
        else:
            await edit_or_send(update, context, last, markup)
    await answer(update)


# --- /visits --------------------------------------------------------------------------------


def render_team(t: Translator, stats: TeamStats) -> str:
    today = stats.days[-1]
    lines = [
        t("supervision.team.title", date=t.short_date(today, "day")),
        t(
            "supervision.team.periods",
            week=t.short_date(stats.week_start.date(), "day"),
            month=t.short_date(stats.month_start.date(), "day"),
        ),
    ]
    for cadre in stats.cadres:
        median = cadre.median_duration
        lines += [
            "",
            t("supervision.team.cadre", name=cadre.name),
            t(
                "supervision.team.numbers",
                week=cadre.visits_week,
                month=cadre.visits_month,
                houses=cadre.houses_month,
                overdue=cadre.overdue,
                median=(
                    minutes(t, median.total_seconds())
                    if median is not None
                    else t("supervision.team.no_median")
                ),
            ),
        ]
    if not stats.cadres:
        lines += ["", t("supervision.team.no_cadres")]
    lines += [
        "",
        t(
            "supervision.team.overdue_total",
            total=stats.overdue_total,
            unassigned=stats.overdue_unassigned,
        ),
    ]
    return "\n".join(lines)


def team_chart(t: Translator, stats: TeamStats) -> DailyBars:
    series = [BarSeries(c.name, stats.per_day[c.member_id]) for c in stats.cadres]
    return DailyBars(
        title=t("supervision.chart.title", days=len(stats.days)),
        y_label=t("supervision.chart.y"),
        day_labels=[t.short_date(day, "tick") for day in stats.days],
        series=fold_series(series, t("supervision.chart.others")),
    )


async def team_visits(update: Update, context: BotContext) -> None:
    """/visits (admins, police): per cadre numbers as text, then visits per day as a chart."""
    t, chat, actor = context.t, update.effective_chat, context.actor
    assert chat is not None
    if actor is None:
        await _refuse(update, context, Role.CADRE, N_("supervision.visits_not_allowed"))
        return
    try:
        async with context.services() as svc:
            stats = await svc.supervision.team_stats(actor)
    except PermissionDenied:
        await _refuse(update, context, Role.CADRE, N_("supervision.visits_not_allowed"))
        return
    for chunk in split_text(render_team(t, stats)):
        await send(update, context, chunk)
    if not stats.cadres:
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
    try:
        png = await daily_bars_png(team_chart(t, stats), context.settings.card_font)
    except ConfigurationError as exc:
        log.warning("visits chart not drawn: %s", exc)
        await send(update, context, t("supervision.chart.unavailable"))
        return
    caption = t("supervision.chart.caption", days=len(stats.days))
    await context.bot.send_photo(chat.id, png, caption=caption)
