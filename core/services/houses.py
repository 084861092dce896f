"""The community tree, houses, their QR card tokens and the CSV import."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.cards.info import CardInfo, deep_link
from core.errors import InvalidInput, InvalidToken, NotFound
from core.idnumber import mask_name
from core.models import (
    Building,
    Community,
    Grid,
    House,
    HouseKind,
    Member,
    RiskColour,
    Role,
)
from core.roles import Actor, Permission
from core.services.base import Service
from core.text import clean_line

MAX_REASON = 200
# Telegram's own rule for usernames: 5–32 letters, digits and underscores.
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


def clean_reason(reason: str) -> str:
    """A reason that is written down (the audit log keeps it): one line of 1–200 characters.

    core.text's normalisation (invisible characters dropped, whitespace collapsed), NFC so the
    writer's full-width punctuation stays; InvalidInput "empty" or "too_long" (field="reason",
    max=MAX_REASON).
    """
    return clean_line(reason, field="reason", max_length=MAX_REASON, compatibility=False)


@dataclass
class ImportResult:
    houses_created: int = 0
    houses_updated: int = 0
    persons_added: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class HouseService(Service):
    async def community(self) -> Community:
        community = await self.session.scalar(select(Community).order_by(Community.id))
        if community is None:
            raise NotFound("community")
        return community

    async def ensure_community(self, actor: Actor, name: str, phone: str = "") -> Community:
        actor.require(Permission.MANAGE_HOUSES)
        community = await self.session.scalar(select(Community).order_by(Community.id))
        if community is None:
            community = Community(name=name, phone=phone)
            self.session.add(community)
            await self.session.flush()
        return community

    async def ensure_grid(self, actor: Actor, code: str, name: str = "") -> Grid:
        actor.require(Permission.MANAGE_HOUSES)
        grid = await self.session.scalar(select(Grid).where(Grid.code == code))
        if grid is None:
            community = await self.session.scalar(select(Community).order_by(Community.id))
            if community is None:
                raise NotFound("community")
            grid = Grid(community_id=community.id, code=code, name=name or code)
            self.session.add(grid)
            await self.session.flush()
        return grid

    async def ensure_building(self, actor: Actor, grid: Grid, name: str) -> Building:
        actor.require(Permission.MANAGE_HOUSES)
        building = await self.session.scalar(
            select(Building).where(Building.grid_id == grid.id, Building.name == name)
        )
        if building is None:
            building = Building(grid_id=grid.id, name=name)
            self.session.add(building)
            await self.session.flush()
        return building

    async def save_house(
        self,
        actor: Actor,
        *,
        building: Building,
        code: str,
        standard_address: str,
        kind: HouseKind = HouseKind.RENTAL,
        risk_colour: RiskColour = RiskColour.GREEN,
        landlord_id: int | None = None,
        cadre_id: int | None = None,
    ) -> tuple[House, bool]:
        """Create or update the house with `code`; returns (house, created)."""
        actor.require(Permission.MANAGE_HOUSES)
        if not code.strip() or not standard_address.strip():
            raise InvalidInput("house")
        house = await self.session.scalar(select(House).where(House.code == code))
        created = house is None
        if house is None:
            house = House(code=code, building_id=building.id, grid_id=building.grid_id)
            house.created_at = self.now()
            self.session.add(house)
        house.building_id, house.grid_id = building.id, building.grid_id
        house.standard_address = standard_address.strip()
        house.kind, house.risk_colour = HouseKind(kind), RiskColour(risk_colour)
        house.landlord_id, house.cadre_id = landlord_id, cadre_id
        await self.session.flush()
        if house.kind is HouseKind.RENTAL and house.card_token is None:
            house.card_token = self.card_token(house)
        await self.uow.audit.record(actor, "create" if created else "update", "house", house.id)
        return house, created

    async def get(self, actor: Actor, house_id: int) -> House:
        actor.require(Permission.VIEW_HOUSES)
        house = await self.session.get(House, house_id)
        if house is None:
            raise NotFound("house", id=house_id)
        return house

    async def by_code(self, actor: Actor, code: str) -> House:
        actor.require(Permission.VIEW_HOUSES)
        house = await self.session.scalar(select(House).where(House.code == code.strip()))
        if house is None:
            raise NotFound("house", code=code)
        return house

    async def detail(
        self, actor: Actor, house_id: int | None = None, *, code: str | None = None
    ) -> House:
        """One house (by id or code) with its grid, cadre and landlord loaded, for a screen."""
        actor.require(Permission.VIEW_HOUSES)
        query = select(House).options(
            selectinload(House.grid), selectinload(House.cadre), selectinload(House.landlord)
        )
        if house_id is not None:
            query = query.where(House.id == house_id)
        else:
            query = query.where(House.code == (code or "").strip())
        house = await self.session.scalar(query)
        if house is None:
            params = {"id": house_id} if house_id is not None else {"code": code}
            raise NotFound("house", **params)
        return house

    async def list(self, actor: Actor, *, grid_code: str | None = None) -> Sequence[House]:
        actor.require(Permission.VIEW_HOUSES)
        query = (
            select(House)
            .options(selectinload(House.grid), selectinload(House.cadre))
            .order_by(House.code)
        )
        if grid_code:
            query = query.join(Grid, House.grid_id == Grid.id).where(Grid.code == grid_code)
        return (await self.session.scalars(query)).all()

    # --- QR card tokens: an HMAC over (house id, card version) ---------------------------

    def card_token(self, house: House) -> str:
        message = f"house:{house.id}:{house.card_version}"
        return f"{house.id}-{house.card_version}-{self.context.vault.sign(message, length=12)}"

    async def resolve_card(self, token: str) -> House:
        """The house a card token belongs to; forged, malformed or revoked → InvalidToken."""
        parts = token.strip().split("-", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            raise InvalidToken("malformed")
        house_id, version, tag = int(parts[0]), int(parts[1]), parts[2]
        if not self.context.vault.verify(f"house:{house_id}:{version}", tag, length=12):
            raise InvalidToken("forged")
        house = await self.session.get(House, house_id)
        if house is None:
            raise InvalidToken("unknown_house")
        if house.card_version != version:
            raise InvalidToken("revoked")
        return house

    async def reissue_card(self, actor: Actor, house_id: int) -> str:
        """Revoke the current card and issue a new token."""
        actor.require(Permission.MANAGE_HOUSES)
        house = await self.get(actor, house_id)
        house.card_version += 1
        house.card_token = self.card_token(house)
        await self.uow.audit.record(actor, "reissue_card", "house", house.id)
        return house.card_token

    async def card_infos(
        self,
        actor: Actor,
        *,
        codes: Sequence[str] | None = None,
        grid_code: str | None = None,
        bot_username: str,
    ) -> builtins.list[CardInfo]:
        """What to print on the cards of rental houses (the listed codes, or all of a grid,
        or all), sorted by code; personal data masked. Unknown code → NotFound."""
        actor.require(Permission.MANAGE_HOUSES)
        username = bot_username.strip().lstrip("@")
        if not _BOT_USERNAME.match(username):
            raise InvalidInput("bot_username", value=bot_username)
        query = (
            select(House)
            .options(
                selectinload(House.grid), selectinload(House.cadre), selectinload(House.landlord)
            )
            .order_by(House.code)
        )
        grid = await self.grid_by_code(grid_code) if grid_code else None
        wanted = list(dict.fromkeys(code.strip() for code in codes or ()))
        if wanted:
            houses = list(await self.session.scalars(query.where(House.code.in_(wanted))))
            found = {house.code: house for house in houses}
            for code in wanted:
                house = found.get(code)
                if house is None:
                    raise NotFound("house", code=code)
                if house.kind is not HouseKind.RENTAL:
                    raise InvalidInput("not_rental", code=code)
                if grid is not None and house.grid_id != grid.id:
                    raise InvalidInput("not_in_grid", code=code, grid=grid.code)
        else:
            query = query.where(House.kind == HouseKind.RENTAL)
            if grid is not None:
                query = query.where(House.grid_id == grid.id)
            houses = list(await self.session.scalars(query))
        if not houses:
            return []
        community = await self.community()
        cards = [self._card_info(house, community, username) for house in houses]
        ids = ",".join(str(house.id) for house in houses)
        await self.uow.audit.record(
            actor,
            "print_cards",
            "house",
            ids if len(ids) <= 64 else f"{len(houses)} houses",
            codes=[house.code for house in houses],
            grid=grid_code or "",
        )
        return cards

    def _card_info(self, house: House, community: Community, bot_username: str) -> CardInfo:
        if house.card_token is None:  # a house that became rental after it was created
            house.card_token = self.card_token(house)
        landlord = ""
        if house.landlord is not None:
            parts = (mask_name(house.landlord.name), house.landlord.phone_masked or "")
            landlord = " ".join(part for part in parts if part)
        return CardInfo(
            house_code=house.code,
            address=house.standard_address,
            grid_name=house.grid.name,
            community_name=community.name,
            community_phone=community.phone,
            cadre_name=house.cadre.name if house.cadre else "",
            cadre_phone=house.cadre.phone if house.cadre else "",
            landlord=landlord,
            deep_link=deep_link(bot_username, house.card_token),
            card_version=house.card_version,
        )

    async def change_risk_colour(
        self, actor: Actor, house_id: int, colour: RiskColour, reason: str
    ) -> RiskColour:
        """Set the house's risk colour (三色管理) with a written reason; returns the old one."""
        actor.require(Permission.CHANGE_RISK_COLOUR)
        why = clean_reason(reason)
        house = await self.get(actor, house_id)
        previous, house.risk_colour = house.risk_colour, RiskColour(colour)
        await self.uow.audit.record(
            actor,
            "risk_colour",
            "house",
            house.id,
            old=previous.value,
            new=house.risk_colour.value,
            reason=why,
        )
        return previous

    async def import_rows(self, actor: Actor, rows: Iterable[dict[str, str]]) -> ImportResult:
        """Import the houses CSV (format in the README); each bad row is reported, not fatal."""
        from core.services.house_import import import_house_rows

        actor.require(Permission.MANAGE_HOUSES)
        return await import_house_rows(self.uow, actor, rows)

    async def cadre_by_name(self, name: str) -> Member | None:
        return await self.session.scalar(
            select(Member).where(Member.name == name, Member.role == Role.CADRE)
        )
