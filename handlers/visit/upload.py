"""Moving between steps, and step 5: the summary whose ✅ writes the whole visit at once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import numpy as np
from telegram import InlineKeyboardButton, Update
from telegram.error import TelegramError

from bot.context import BotContext
from core.errors import DomainError, InvalidInput
from handlers.common import answer
from handlers.kit.buttons import MenuButton
from handlers.kit.flows import end as end_flow
from handlers.visit import form
from handlers.visit.draft import (
    STEPS,
    Draft,
    enter,
    file_ids,
    reload_residents,
    to_plan,
    unchecked,
)
from handlers.visit.media import download

log = logging.getLogger(__name__)


async def next_step(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    t = context.t
    step = draft["step"]
    if step == "verify" and unchecked(draft):
        await answer(update, t("visit.verify.check_all", n=len(unchecked(draft))), alert=True)
        return
    await answer(update)
    if step in ("verify", "update", "photograph"):
        async with context.services() as svc:
            enter(draft, STEPS[STEPS.index(step) + 1], svc.visits.now())
    await form.render(update, context, draft)


async def to_house(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    """From the scan screen back to the house already opened (nothing rescanned)."""
    await answer(update)
    draft["step"], draft["ask"] = "verify", None
    await form.render(update, context, draft)


async def back(update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]) -> None:
    await answer(update)
    step = draft["step"]
    if step != "scan":
        draft["step"], draft["ask"] = STEPS[STEPS.index(step) - 1], None
    await form.render(update, context, draft)


async def confirm(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    """Download the photos, write everything in one transaction, add the faces to the gallery."""
    t = context.t
    actor = context.actor
    assert actor is not None
    if draft["step"] != "upload":
        await answer(update)
        await form.render(update, context, draft)
        return
    await answer(update, t("visit.upload.working_toast"))
    await form.show(update, context, draft, t("visit.upload.working"), [])
    try:
        files = {file_id: await download(context, file_id) for file_id in file_ids(draft)}
    except TelegramError as exc:
        log.warning("visit photos could not be downloaded: %s", exc)
        await form.render(update, context, draft, t("visit.upload.download_failed"))
        return
    try:
        async with context.services() as svc:
            outcome = await svc.visits.commit(actor, to_plan(draft, svc.visits, files))
            finished = svc.visits.now()
    except InvalidInput as exc:
        await _refused(update, context, draft, exc)
        return
    except DomainError as exc:
        log.info("visit upload refused: %s %s", exc.code, exc.detail)
        key = f"error.{exc.code}"
        known = t.has(key)
        problem = (
            t(key, phone=context.settings.community_phone) if known else t("visit.upload.failed")
        )
        await form.render(update, context, draft, problem)
        return
    except Exception:  # nothing was written (the unit of work rolled back): let them retry
        log.exception("visit upload failed")
        await form.render(update, context, draft, t("visit.upload.failed"))
        return
    core = context.deps.recognition
    if core is not None:
        for template_id, embedding in outcome.enrolled:
            core.gallery.upsert(template_id, np.frombuffer(embedding, dtype=np.float32))
    end_flow(context)
    await context.application.update_persistence()  # a crash now must not offer it again
    minutes = max(
        1, round((finished - datetime.fromisoformat(draft["started_at"])).total_seconds() / 60)
    )
    lines = [
        t("visit.done.title", address=draft["house"]["address"]),
        t(
            "visit.done.counts",
            stays=outcome.confirmed,
            moved_out=outcome.moved_out,
            corrected=outcome.corrected,
            added=outcome.added,
            photos=outcome.photos,
        ),
        t("visit.done.duration", minutes=minutes),
    ]
    if outcome.enrolled:
        lines.append(t("visit.done.enrolled", n=len(outcome.enrolled)))
    if not outcome.assigned:
        lines.append(t("visit.done.covering"))
    rows = [[InlineKeyboardButton(t("visit.done.next"), callback_data=MenuButton("visit"))]]
    await form.show(update, context, draft, "\n".join(lines), rows)


async def _refused(update: Update, context: BotContext, draft: Draft, exc: InvalidInput) -> None:
    """A check the service made against the database: show where to fix it."""
    t = context.t
    log.info("visit upload refused: %s %s", exc.detail, exc.params)
    if exc.detail == "residency":  # someone changed the residents meanwhile: reload them
        actor = context.actor
        assert actor is not None
        async with context.services() as svc:
            sheet = await svc.visits.sheet(actor, draft["house"]["id"])
            now = svc.visits.now()
        reload_residents(draft, sheet)
        enter(draft, "verify", now)
        await form.render(update, context, draft, t("visit.upload.residents_changed"))
        return
    if exc.detail == "moved_out_before_moved_in":
        draft["step"] = "verify"
        await form.render(update, context, draft, t("visit.upload.moved_out_early"))
        return
    await form.render(update, context, draft, t("visit.upload.failed"))
