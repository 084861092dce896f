"""Typed buttons: one feature per button type, matched by type, refused for the wrong role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from telegram.ext import Application

from core.models import Member, Role
from core.serial import decode, encode, persistable
from handlers.kit.buttons import ButtonClash, MenuButton, claims, on_press, roles
from tests.e2e import BotEnv


@persistable("button.test_probe")
@dataclass(frozen=True)
class ProbeButton:
    value: int


async def _nothing(*_args: object) -> None:
    return None


def test_two_features_cannot_claim_the_same_button_type() -> None:
    application = Application.builder().token("1:T").build()
    on_press(application, "first", ProbeButton, _nothing)
    on_press(application, "first", ProbeButton, _nothing)  # the same feature may add another
    with pytest.raises(ButtonClash, match=r"first.*second"):
        on_press(application, "second", ProbeButton, _nothing)
    assert claims(application) == {ProbeButton: "first"}


def test_a_button_type_must_be_a_persistable_frozen_dataclass() -> None:
    application = Application.builder().token("1:T").build()

    @dataclass
    class Mutable:
        value: int

    @dataclass(frozen=True)
    class Unregistered:
        value: int

    with pytest.raises(TypeError, match="frozen"):
        on_press(application, "x", Mutable, _nothing)
    with pytest.raises(TypeError, match="persistable"):
        on_press(application, "x", Unregistered, _nothing)


def test_the_product_claims_each_button_type_once(bot_env: BotEnv) -> None:
    owners = claims(bot_env.application)
    assert owners[MenuButton] == "menu"
    assert len(owners) >= 8  # every feature's buttons are typed
    assert all(isinstance(feature, str) and feature for feature in owners.values())


def test_button_data_survives_the_codec_as_itself() -> None:
    assert decode(encode(ProbeButton(3))) == ProbeButton(3)
    assert decode(encode([("kb", {"b": MenuButton("visit")})])) == [
        ("kb", {"b": MenuButton("visit")})
    ]
    # data of a type this release no longer knows decodes to None (a stale button)
    assert decode({"__dc__": ["button.gone", {"x": 1}]}) is None


async def test_a_flow_button_of_another_role_is_refused_before_the_flow_is_touched(
    bot_env: BotEnv,
) -> None:
    await bot_env.house()
    admin = await bot_env.user(Role.ADMIN)
    screen = await bot_env.say(admin, "/house A-1-101")
    async with bot_env.services() as svc:  # no longer an admin: the old screen stays in the chat
        member = await svc.session.get(Member, admin.member_id)
        assert member is not None
        member.role = Role.GUARD
    pressed = await bot_env.press(admin, screen, "🎨 风险等级")
    assert pressed.toast is not None
    assert "不是给你的" in pressed.toast
    assert "flow" not in bot_env.application.user_data.get(admin.id, {})
    assert roles(Role.ADMIN)(None) is False
