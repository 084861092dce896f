"""Watched plates are typed input: full-width forms are stored as a camera reads them."""

from __future__ import annotations

import pytest

from core.bootstrap import Storage
from core.errors import InvalidInput
from core.models import WatchlistKind
from core.roles import Actor


async def test_a_full_width_plate_is_stored_in_ascii(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        vehicles = await svc.watchlists.create(admin, kind=WatchlistKind.VEHICLES, name="布控")
        entry = await svc.watchlists.add_plate(admin, vehicles.id, " 浙ａ １２３\u200b４５ ")
        assert entry.plate == "浙A12345"
        with pytest.raises(InvalidInput):
            await svc.watchlists.add_plate(admin, vehicles.id, "浙Ａ\u200b\u200b\u200b")
