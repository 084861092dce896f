"""The community tree, houses, their QR card tokens and the CSV import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import InvalidInput, InvalidToken, NotFound
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

    async def import_rows(self, actor: Actor, rows: Iterable[dict[str, str]]) -> ImportResult:
        """Import the houses CSV (format in the README); each bad row is reported, not fatal."""
        from core.services.house_import import import_house_rows

        actor.require(Permission.MANAGE_HOUSES)
        return await import_house_rows(self.uow, actor, rows)

    async def cadre_by_name(self, name: str) -> Member | None:
        return await self.session.scalar(
            select(Member).where(Member.name == name, Member.role == Role.CADRE)
        )
