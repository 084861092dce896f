"""Visit buttons check the member's right to visit before they touch any state: a replayed
continue / discard / visit-this-house button of a member who is no longer a cadre (or of
somebody the bot no longer knows) gets a toast, never a visit form or a saved flow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.flows.visit import VisitFlow
from core.models import Member, Role
from tests.e2e import BotEnv, MakeBotEnv, Reply, TgUser
from tests.handlers.test_visit import form, press, seed_house

pytestmark = pytest.mark.slow
NOT_FOR_YOU = "不是给你的"


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env(recognition=True) as running:
        yield running


def flow_of(env: BotEnv, user: TgUser) -> VisitFlow | None:
    flow = env.application.user_data.get(user.id, {}).get("flow")
    return flow if isinstance(flow, VisitFlow) else None


async def demote(env: BotEnv, user: TgUser, role: Role | None) -> None:
    """A new role for `user`'s member (None: unbound, so the bot no longer knows them)."""
    async with env.services() as svc:
        member = await svc.session.get(Member, user.member_id)
        assert member is not None
        member.telegram_id = user.id if role is not None else None
        member.role = role or member.role


async def replay(env: BotEnv, user: TgUser, message: Reply, label: str) -> None:
    """Press `label` on `message`: refused with a toast, and the bot sends nothing."""
    before = len(env.messages(user.id))
    match = next(b for b in message.button_labels if b.startswith(label))
    pressed = await env.press(user, message, match, timeout=10)
    assert pressed.toast is not None
    assert NOT_FOR_YOU in pressed.toast
    assert len(env.messages(user.id)) == before


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.GUARD, None])
async def test_a_replayed_house_list_button_opens_no_visit(env: BotEnv, role: Role | None) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    await env.say(cadre, "/start")
    listed = await press(env, cadre, "🏠 房屋")
    await demote(env, cadre, role)
    await replay(env, cadre, listed, "🟢 A-1-101")
    assert flow_of(env, cadre) is None


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.GUARD, None])
async def test_a_replayed_continue_or_discard_touches_nothing(
    env: BotEnv, role: Role | None
) -> None:
    cadre = await env.user(Role.CADRE)
    _house_id, token = await seed_house(env, cadre)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    offer = await env.say(cadre, "/visit")
    assert "未完成的走访" in offer.text
    flow = flow_of(env, cadre)
    assert flow is not None
    rev = flow.rev
    await demote(env, cadre, role)
    await replay(env, cadre, offer, "▶️ 继续走访")
    await replay(env, cadre, offer, "🗑 放弃并重新开始")
    assert flow_of(env, cadre) is flow  # nothing restarted, nothing re-rendered
    assert flow.rev == rev
    await demote(env, cadre, Role.CADRE)  # a cadre again, for the card link's offer
    switch = await env.say(cadre, "/start h_" + token)  # the offer to visit this house instead
    assert any(b.startswith("🗑 放弃它") for b in switch.button_labels)
    rev = flow.rev
    await demote(env, cadre, role)
    await replay(env, cadre, switch, "🗑 放弃它")
    await replay(env, cadre, switch, "▶️ 继续走访")
    assert flow_of(env, cadre) is flow
    assert flow.rev == rev
    assert form(env, cadre).message_id == switch.message_id
