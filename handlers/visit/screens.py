"""What each step of the visit shows: one form message, re-rendered from the draft."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from markupsafe import Markup
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from core.models import PersonKind, PhotoKind, ResidencyRole, RiskColour
from handlers.cancel import cancel_button
from handlers.houses import colour_label
from handlers.visit.draft import STEPS, Draft, photo_slots, slot_file, step_number, unchecked

Buttons = list[list[InlineKeyboardButton]]
KIND_LABELS = {
    PersonKind.REGISTERED.value: N_("visit.kind.registered"),
    PersonKind.FLOATING.value: N_("visit.kind.floating"),
    PersonKind.FOREIGN.value: N_("visit.kind.foreign"),
}
ROLE_LABELS = {
    ResidencyRole.TENANT.value: N_("visit.role.tenant"),
    ResidencyRole.FAMILY.value: N_("visit.role.family"),
    ResidencyRole.OTHER.value: N_("visit.role.other"),
}
FIELD_LABELS = {
    "name": N_("visit.field.name"),
    "phone": N_("visit.field.phone"),
    "id_number": N_("visit.field.id_number"),
    "kind": N_("visit.field.kind"),
}
STEP_LABELS = {
    "scan": N_("visit.step.scan"),
    "verify": N_("visit.step.verify"),
    "update": N_("visit.step.update"),
    "photograph": N_("visit.step.photograph"),
    "upload": N_("visit.step.upload"),
}
PHOTO_LABELS = {
    PhotoKind.FACE: N_("visit.photo.face"),
    PhotoKind.ID_FRONT: N_("visit.photo.id_front"),
    PhotoKind.ID_BACK: N_("visit.photo.id_back"),
    PhotoKind.RESIDENCE_PERMIT: N_("visit.photo.residence_permit"),
    PhotoKind.GUARANTEE_LETTER: N_("visit.photo.guarantee_letter"),
    PhotoKind.CONTACT_CARD: N_("visit.photo.contact_card"),
}
# The sub-steps of adding a resident, in order (each has Back and Discard).
NEW_STEPS = ("new_name", "new_id", "new_phone", "new_kind", "new_role", "new_moved_in")
NEW_QUESTIONS = {
    "new_name": N_("visit.new.ask.name"),
    "new_id": N_("visit.new.ask.id"),
    "new_phone": N_("visit.new.ask.phone"),
    "new_kind": N_("visit.new.ask.kind"),
    "new_role": N_("visit.new.ask.role"),
    "new_moved_in": N_("visit.new.ask.moved_in"),
}


def data(*parts: Any) -> tuple[Any, ...]:
    return ("visit", *parts)


def button(label: str, *parts: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(*parts))


def header(t: Translator, draft: Draft) -> str:
    step = draft["step"]
    progress = t(
        "visit.progress", n=step_number(step), total=len(STEPS), step=t(STEP_LABELS[step])
    )
    house = draft.get("house")
    if not house:
        return progress
    return t("visit.house_line", address=house["address"], code=house["code"]) + "\n" + progress


def nav(t: Translator, *, back: bool = True, next_: bool = True) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(button(t("visit.back"), "back"))
    if next_:
        row.append(button(t("visit.next"), "next"))
    row.append(cancel_button(t))
    return row


def scan_screen(t: Translator, draft: Draft, problem: str = "") -> tuple[str, Buttons]:
    text = header(t, draft) + "\n\n" + t("visit.scan.prompt")
    if problem:
        text = problem + "\n\n" + text
    rows: Buttons = []
    if draft.get("house"):  # came back from step 2: the opened house is one tap away
        rows.append([button(t("visit.scan.to_house", code=draft["house"]["code"]), "to_house")])
    rows.append([cancel_button(t)])
    return text, rows


def verify_screen(t: Translator, draft: Draft, when: Any, note: str = "") -> tuple[str, Buttons]:
    """Step 2: the house card with every resident's check."""
    house = draft["house"]
    lines = [header(t, draft), ""]
    colour = colour_label(RiskColour(house["colour"]), t)
    lines.append(t("visit.verify.colour", colour=colour))
    lines.append(t("visit.verify.landlord", landlord=house["landlord"] or "—"))
    if house["last_at"]:
        last = when(datetime.fromisoformat(house["last_at"]))
        lines.append(t("visit.verify.last", when=last, by=house["last_by"] or "—"))
    else:
        lines.append(t("visit.verify.never"))
    if not house["assigned"]:
        lines.append(t("visit.verify.covering", cadre=house["cadre"] or "—"))
    lines.append("")
    rows: Buttons = []
    if not draft["residents"]:
        lines.append(t("visit.verify.nobody"))
    for number, resident in enumerate(draft["residents"], 1):
        check = draft["checks"].get(str(resident["rid"]))
        lines.append(
            t(
                "visit.verify.resident",
                n=number,
                name=resident["name"],
                id=resident["id_masked"] or "—",
                kind=t(KIND_LABELS[resident["kind"]]),
                state=Markup(check_state(t, check, when)),
            )
        )
        rows.append(
            [
                button(t("visit.verify.stays", n=number), "check", resident["rid"], "stays"),
                button(
                    t("visit.verify.moved_out", n=number), "check", resident["rid"], "moved_out"
                ),
                button(t("visit.verify.correct", n=number), "check", resident["rid"], "correct"),
            ]
        )
    if len(draft["residents"]) > 1 and unchecked(draft):
        rows.append([button(t("visit.verify.all_stay"), "all_stay")])
    rows.append(nav(t))
    if note:
        lines += ["", note]
    return "\n".join(lines), rows


def check_state(t: Translator, check: dict[str, Any] | None, when: Any) -> str:
    if check is None:
        return t("visit.state.unchecked")
    if check["action"] == "moved_out":
        return t(
            "visit.state.moved_out", date=t.short_date(date.fromisoformat(check["moved_out"]))
        )
    if check["action"] == "corrected":
        return t("visit.state.corrected")
    return t("visit.state.stays")


def update_screen(t: Translator, draft: Draft, note: str = "") -> tuple[str, Buttons]:
    """Step 3: the new residents added so far."""
    lines = [header(t, draft), ""]
    rows: Buttons = []
    if not draft["new"]:
        lines.append(t("visit.update.none"))
    for number, item in enumerate(draft["new"], 1):
        lines.append(resident_line(t, number, item))
        rows.append([button(t("visit.update.remove", name=item["name"]), "remove", number - 1)])
    rows.insert(0, [button(t("visit.update.add"), "add")])
    rows.append(nav(t))
    if note:
        lines += ["", note]
    return "\n".join(lines), rows


def resident_line(t: Translator, number: int, item: dict[str, Any]) -> str:
    return t(
        "visit.update.resident",
        n=number,
        name=item["name"],
        id=item["id_masked"] or "—",
        kind=t(KIND_LABELS[item["kind"]]),
        role=t(ROLE_LABELS[item["role"]]),
        moved_in=t.short_date(date.fromisoformat(item["moved_in"])) if item["moved_in"] else "—",
    )


def new_resident_screen(
    t: Translator, draft: Draft, ask: str, problem: str = ""
) -> tuple[str, Buttons]:
    """One sub-step of adding a resident: a question, its choices, Back and Discard."""
    item = draft["ask"]["item"]
    number = NEW_STEPS.index(ask) + 1
    lines = [header(t, draft), "", t("visit.new.title", n=number, total=len(NEW_STEPS))]
    if item["name"]:
        lines.append(t("visit.new.so_far", name=item["name"], id=item["id_masked"] or "—"))
    if problem:
        lines += ["", problem]
    lines += ["", t(NEW_QUESTIONS[ask])]
    rows: Buttons = []
    if ask == "new_id":
        rows.append([button(t("visit.new.no_id"), "new_skip")])
    elif ask == "new_phone":
        rows.append([button(t("visit.new.skip"), "new_skip")])
    elif ask == "new_kind":
        rows.append([button(t(label), "new_kind", kind) for kind, label in KIND_LABELS.items()])
    elif ask == "new_role":
        rows.append([button(t(label), "new_role", role) for role, label in ROLE_LABELS.items()])
    elif ask == "new_moved_in":
        rows.append([button(t("visit.date.today"), "new_today")])
    rows.append(
        [button(t("visit.back"), "new_back"), button(t("visit.new.discard"), "new_discard")]
    )
    return "\n".join(lines), rows


def photograph_screen(t: Translator, draft: Draft, note: str = "") -> tuple[str, Buttons]:
    """Step 4: every photo the visit asks for, ticked when taken."""
    lines = [header(t, draft), ""]
    rows: Buttons = []
    row: list[InlineKeyboardButton] = []
    owner: int | None = -2
    for index, kind in photo_slots(draft):
        if index != owner:
            if row:
                rows.append(row)
            row, owner = [], index
            who = draft["new"][index]["name"] if index is not None else t("visit.photo.house")
            lines.append(f"<b>{Markup.escape(who)}</b>")
        taken = slot_file(draft, index, kind) is not None
        mark = "✅" if taken else "▫️"
        lines.append(f"  {mark} {t(PHOTO_LABELS[kind])}")
        row.append(button(f"{mark} {t(PHOTO_LABELS[kind])}", "slot", index, kind.value))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    lines += ["", t("visit.photo.hint")]
    if note:
        lines += ["", note]
    rows.append(nav(t))
    return "\n".join(lines), rows


def photo_prompt(t: Translator, draft: Draft, problem: str = "") -> tuple[str, Buttons]:
    ask = draft["ask"]
    index, kind = ask["index"], PhotoKind(ask["kind"])
    who = draft["new"][index]["name"] if index is not None else t("visit.photo.house")
    text = header(t, draft) + "\n\n" + t("visit.photo.send", who=who, what=t(PHOTO_LABELS[kind]))
    if kind is PhotoKind.FACE:
        text += "\n" + t("visit.photo.face_tips")
    if problem:
        text = problem + "\n\n" + text
    return text, [[button(t("visit.back"), "slot_back"), cancel_button(t)]]


def summary_screen(t: Translator, draft: Draft, problem: str = "") -> tuple[str, Buttons]:
    """Step 5: everything that will be written, and the one button that writes it."""
    counts = {"stays": 0, "moved_out": 0, "corrected": 0}
    for check in draft["checks"].values():
        counts[check["action"]] += 1
    lines = [header(t, draft), ""]
    lines.append(
        t(
            "visit.summary.checks",
            stays=counts["stays"],
            moved_out=counts["moved_out"],
            corrected=counts["corrected"],
        )
    )
    names = {str(r["rid"]): r["name"] for r in draft["residents"]}
    for rid, check in draft["checks"].items():
        if check["action"] == "moved_out":
            when = t.short_date(date.fromisoformat(check["moved_out"]))
            lines.append(t("visit.summary.moved_out", name=names.get(rid, "?"), date=when))
        elif check["action"] == "corrected":
            fields = [t(FIELD_LABELS[f]) for f in FIELD_LABELS if check.get(f) is not None]
            what = t("list.separator").join(fields)
            lines.append(t("visit.summary.corrected", name=names.get(rid, "?"), fields=what))
    for number, item in enumerate(draft["new"], 1):
        lines.append(resident_line(t, number, item))
        if item["existing_name"]:
            lines.append(t("visit.summary.linked", name=item["existing_name"]))
        if not item["face"]:
            lines.append(t("visit.summary.no_face", name=item["name"]))
    photos = sum(1 for _ in _taken(draft))
    lines.append(t("visit.summary.photos", n=photos))
    if not draft["house"]["assigned"]:
        lines.append(t("visit.summary.covering"))
    lines += ["", t("visit.summary.confirm_hint")]
    if problem:
        lines = [problem, "", *lines]
    rows: Buttons = [
        [button(t("visit.summary.confirm"), "confirm")],
        [button(t("visit.back"), "back"), cancel_button(t)],
    ]
    return "\n".join(lines), rows


def _taken(draft: Draft) -> list[str]:
    return [
        file_id
        for index, kind in photo_slots(draft)
        if (file_id := slot_file(draft, index, kind)) is not None
    ]


def markup(rows: Buttons) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows)
