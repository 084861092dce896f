"""Members' names are typed input: normalised, refused when empty or too long, never cut."""

from __future__ import annotations

import pytest

from core.bootstrap import Storage
from core.errors import InvalidInput
from core.models import Role
from core.roles import Actor
from core.services.member_binding import MemberBindingService


async def test_a_member_name_is_normalised_and_checked(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        member = await svc.members.add(
            admin, telegram_id=1, role=Role.CADRE, name="\u202e王\u200b芳\u3000\u2069"
        )
        assert member.name == "王芳"
        for name, detail in (("\u200b\u2060", "empty"), ("长" * 5000, "too_long")):
            with pytest.raises(InvalidInput) as caught:
                await svc.members.add(admin, telegram_id=2, role=Role.CADRE, name=name)
            assert (caught.value.detail, caught.value.params["field"]) == (detail, "name")
        with pytest.raises(InvalidInput) as bound:
            await MemberBindingService(svc).bind_or_add(
                admin, telegram_id=3, role=Role.GUARD, name="\ufeff"
            )
        assert bound.value.detail == "empty"


async def test_invitation_names_and_telegram_profile_names(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        named, named_token = await svc.members.invite(admin, role=Role.GUARD, name=" 李\u200b强 ")
        unnamed, unnamed_token = await svc.members.invite(admin, role=Role.GUARD, name="\u200b")
        plain, plain_token = await svc.members.invite(admin, role=Role.GUARD)
        assert (named.name, unnamed.name, plain.name) == ("李强", "", "")
        with pytest.raises(InvalidInput):
            await svc.members.invite(admin, role=Role.GUARD, name="长" * 81)
    async with storage.services() as svc:
        invited = await svc.members.redeem(telegram_id=10, token=named_token, name="Someone")
        # A profile name is not typed here: a blank one gives way to the Telegram id …
        blank = await svc.members.redeem(telegram_id=11, token=unnamed_token, name="\u3164\u200b")
        # … and a long one is shortened rather than failing the invitation.
        shortened = await svc.members.redeem(telegram_id=12, token=plain_token, name="长" * 100)
    assert (invited.name, blank.name, shortened.name) == ("李强", "11", "长" * 80)
