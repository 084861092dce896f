"""Moving between steps, and step 5: the summary whose ✅ writes the whole visit at once.

After the upload, the cadre's chat messages holding ID cards and faces are deleted (the
store keeps the photos; a message older than 48 hours cannot be deleted and stays).
"""

from __future__ import annotations

import logging

import numpy as np
from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from core.errors import DomainError, InvalidInput
from core.flows.visit import VisitButton, VisitFlow, VisitStep, to_plan
from core.services.visits import VisitOutcome
from handlers.common import answer, community_phone
from handlers.kit import flows
from handlers.kit.buttons import MenuButton, button
from handlers.visit import form, photo_screens
from handlers.visit.form import render
from handlers.visit.media import download
from handlers.visit.residents import name_problem

log = logging.getLogger(__name__)


async def next_step(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    if not flow.next(await form.now(context)):
        n = len(flow.unchecked())
        await answer(update, context.t("visit.verify.check_all", n=n), alert=True)
        return
    await answer(update)
    await render(update, context, flow)


async def to_house(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    """From the scan screen back to the house already opened (nothing rescanned)."""
    await answer(update)
    flow.to_house()
    await render(update, context, flow)


async def back(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    await answer(update)
    flow.back()
    await render(update, context, flow)


async def review(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    """✏️ from the quick summary: go through every step (the checks made are kept)."""
    await answer(update)
    flow.review()
    await render(update, context, flow)


async def confirm(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    """Download the photos, write everything in one transaction, add the faces to the gallery."""
    t = context.t
    actor = context.actor
    assert actor is not None
    if flow.step is not VisitStep.UPLOAD or flow.house is None:
        await answer(update)
        await render(update, context, flow)
        return
    await answer(update, t("visit.upload.working_toast"))
    await flows.show(update, context, flow, t("visit.upload.working"))
    files: dict[str, bytes] = {}
    gone: list[str] = []
    for file_id in sorted(flow.file_ids()):
        try:
            files[file_id] = await download(context, file_id)
        except BadRequest as exc:  # Telegram no longer has it: waiting will not bring it back
            log.warning("a visit photo is gone (%s): asking for it again", exc)
            gone += [photo_screens.slot_label(t, flow, s) for s in flow.forget_file(file_id)]
        except TelegramError as exc:
            log.warning("visit photos could not be downloaded: %s", exc)
            await render(update, context, flow, t("visit.upload.download_failed"))
            return
    if gone:
        flow.enter(VisitStep.PHOTOGRAPH, await form.now(context))
        what = t("list.separator").join(gone)
        await render(update, context, flow, t("visit.upload.photos_gone", what=what))
        return
    try:
        async with context.services() as svc:
            outcome = await svc.visits.commit(actor, to_plan(flow, svc.visits, files))
            finished = svc.visits.now()
    except InvalidInput as exc:
        await _refused(update, context, flow, exc)
        return
    except DomainError as exc:
        log.info("visit upload refused: %s %s", exc.code, exc.detail)
        key = f"error.{exc.code}"
        known = t.has(key)
        problem = (
            t(key, phone=await community_phone(context)) if known else t("visit.upload.failed")
        )
        await render(update, context, flow, problem)
        return
    except Exception:  # nothing was written (the unit of work rolled back): let them retry
        log.exception("visit upload failed")
        await render(update, context, flow, t("visit.upload.failed"))
        return
    core = context.deps.recognition
    if core is not None:
        for template_id, embedding in outcome.enrolled:
            core.gallery.upsert(template_id, np.frombuffer(embedding, dtype=np.float32))
        for template_id in outcome.dropped:  # over the per-person limit
            core.gallery.remove(template_id)
    flows.end(context)
    await context.application.update_persistence()  # a crash now must not offer it again
    minutes = max(1, round((finished - flow.started_at).total_seconds() / 60))
    rows = [[button(t("visit.done.next"), MenuButton("visit"))]]
    await flows.show(update, context, flow, _done_text(context, flow, outcome, minutes), rows)
    await forget_private_photos(context, flow)


def _done_text(context: BotContext, flow: VisitFlow, outcome: VisitOutcome, minutes: int) -> str:
    t = context.t
    assert flow.house is not None
    lines = [
        t("visit.done.title", address=flow.house.address),
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
    new_faces = len(outcome.enrolled) - outcome.refreshed  # the rest are new residents'
    if new_faces > 0:
        lines.append(t("visit.done.enrolled", n=new_faces))
    if outcome.refreshed:
        lines.append(t("visit_faces.done", n=outcome.refreshed))
    if not outcome.assigned:
        lines.append(t("visit.done.covering"))
    return "\n".join(lines)


async def forget_private_photos(context: BotContext, flow: VisitFlow) -> None:
    """Delete the cadre's messages holding ID cards and faces (now in the store)."""
    if flow.chat_id is None:
        return
    for message_id in flow.private_messages:
        try:
            await context.bot.delete_message(flow.chat_id, message_id)
        except TelegramError as exc:  # older than 48 hours, or already gone
            log.debug("could not delete photo message %s: %s", message_id, exc)


async def _refused(
    update: Update, context: BotContext, flow: VisitFlow, exc: InvalidInput
) -> None:
    """A check the service made against the database: show where to fix it."""
    t = context.t
    log.info("visit upload refused: %s %s", exc.detail, exc.params)
    if exc.detail == "residency" and flow.house is not None:
        actor = context.actor  # someone changed the residents meanwhile: reload them
        assert actor is not None
        async with context.services() as svc:
            sheet = await svc.visits.sheet(actor, flow.house.id)
            now = svc.visits.now()
        flow.open(sheet, now)
        await render(update, context, flow, t("visit.upload.residents_changed"))
        return
    if exc.params.get("field") == "name" and exc.detail in ("empty", "too_long"):
        flow.enter(VisitStep.UPDATE, await form.now(context))  # a draft from before the check
        await render(update, context, flow, name_problem(t, exc))
        return
    if exc.detail == "birth_date":
        await render(update, context, flow, t("error.id_birth_date"))
        return
    if exc.detail == "moved_out_before_moved_in":
        flow.enter(VisitStep.VERIFY, await form.now(context))
        await render(update, context, flow, t("visit.upload.moved_out_early"))
        return
    await render(update, context, flow, t("visit.upload.failed"))
