"""📜 The audit log in the chat (admins, police): the latest reads and changes, newest first,
filtered by person (from a person's record), by member or by day, ◀️ n/N ▶️ paged.

Every screen is one `AuditButton` (the filter and the page are in the button), edited in
place; no flow state is needed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from bot.i18n import Translator
from core.models import Role
from core.serial import persistable
from core.services.audit import PAGE_SIZE, AuditFilter, AuditLine, AuditPage
from handlers.common import answer, edit_or_send, esc
from handlers.kit import menu
from handlers.kit.buttons import NoopButton, button, keyboard, on_press, roles
from handlers.kit.flows import AnyApp

FEATURE = "audit"
STAFF = (Role.POLICE, Role.ADMIN)
DAYS = 7
Rows = list[list[InlineKeyboardButton]]


class AuditView(enum.StrEnum):
    LOG = "log"
    MEMBERS = "members"
    DAYS = "days"


@persistable("button.audit")
@dataclass(frozen=True)
class AuditButton:
    view: AuditView = AuditView.LOG
    page: int = 0
    person_id: int = 0
    member_id: int = 0
    day: str = ""  # ISO date, local


def _action(t: Translator, action: str) -> str:
    key = f"audit.action.{action}"
    return t(key) if t.has(key) else esc(action)


def _subject(t: Translator, line: AuditLine) -> str:
    if line.subject_type == "person" and line.subject_id != "-":
        return t("audit.subject.person", id=esc(line.subject_id))
    if line.subject_id in ("", "-"):
        return ""
    return f"{esc(line.subject_type)} {esc(line.subject_id)}"


def line_text(t: Translator, line: AuditLine) -> str:
    subject = _subject(t, line)
    text = t(
        "audit.line",
        when=t.short_datetime(line.at),
        who=esc(line.actor),
        action=_action(t, line.action),
    )
    if subject:
        text += f" · {subject}"
    if line.reason:
        text += "\n    " + t("audit.reason", reason=esc(line.reason))
    return text


def filter_label(t: Translator, data: AuditButton, member_name: str) -> str:
    if data.person_id:
        return t("audit.filter.person", id=data.person_id)
    if data.member_id:
        return t("audit.filter.member", name=esc(member_name))
    if data.day:
        return t("audit.filter.day", day=t.short_date(date.fromisoformat(data.day)))
    return t("audit.filter.all")


def log_screen(t: Translator, data: AuditButton, page: AuditPage, member: str) -> tuple[str, Rows]:
    head = t(
        "audit.title",
        filter=filter_label(t, data, member),
        page=page.page,
        pages=page.pages,
        total=page.total,
    )
    body = "\n".join(line_text(t, line) for line in page.lines) or t("audit.empty")
    rows: Rows = []
    if page.pages > 1:
        nav: list[InlineKeyboardButton] = []
        if page.page > 1:
            nav.append(button("◀️", _with(data, page=page.page - 2)))
        nav.append(button(f"{page.page}/{page.pages}", NoopButton()))
        if page.page < page.pages:
            nav.append(button("▶️", _with(data, page=page.page)))
        rows.append(nav)
    rows.append(
        [
            button(t("audit.button.members"), AuditButton(AuditView.MEMBERS)),
            button(t("audit.button.days"), AuditButton(AuditView.DAYS)),
        ]
    )
    if data.person_id or data.member_id or data.day:
        rows.append([button(t("audit.button.all"), AuditButton())])
    rows.append([menu.back_button(t)])
    return f"{head}\n\n{body}", rows


def _with(data: AuditButton, *, page: int) -> AuditButton:
    return AuditButton(AuditView.LOG, page, data.person_id, data.member_id, data.day)


async def show(update: Update, context: BotContext, data: AuditButton) -> None:
    assert context.actor is not None
    t = context.t
    if data.view is AuditView.DAYS:
        today = datetime.now(context.settings.zone).date()
        days = [today - timedelta(days=n) for n in range(DAYS)]
        buttons = [
            button(t.short_date(day, "day"), AuditButton(day=day.isoformat())) for day in days
        ]
        rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
        rows.append([button(t("menu.back"), AuditButton())])
        await edit_or_send(update, context, t("audit.choose_day"), keyboard(rows))
        return
    async with context.services() as svc:
        if data.view is AuditView.MEMBERS:
            actors = await svc.audit.actors(context.actor)
        else:
            where = AuditFilter(
                person_id=data.person_id or None,
                member_id=data.member_id or None,
                day=date.fromisoformat(data.day) if data.day else None,
            )
            page = await svc.audit.page(context.actor, where, offset=data.page * PAGE_SIZE)
            names = dict(await svc.audit.actors(context.actor, limit=100))
    if data.view is AuditView.MEMBERS:
        rows = [[button(esc(name), AuditButton(member_id=mid))] for mid, name in actors]
        rows.append([button(t("menu.back"), AuditButton())])
        text = t("audit.choose_member") if actors else t("audit.empty")
        await edit_or_send(update, context, text, keyboard(rows))
        return
    text, rows = log_screen(t, data, page, names.get(data.member_id, "—"))
    await edit_or_send(update, context, text, keyboard(rows))


async def audit_menu(update: Update, context: BotContext) -> None:
    """📜 from the menu: the newest entries, unfiltered."""
    await show(update, context, AuditButton())
    await answer(update)


async def on_button(update: Update, context: BotContext, data: AuditButton) -> None:
    """Pages, filters, and 📜 from a person's record (the log takes the record's place)."""
    await show(update, context, data)
    await answer(update)


def register(application: AnyApp) -> None:
    menu.serve(application, FEATURE, audit_menu, *STAFF)
    on_press(application, FEATURE, AuditButton, on_button, allow=roles(*STAFF))
