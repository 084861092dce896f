from core.bootstrap import Storage
from core.models import Role
from core.roles import Actor


async def test_add_person_and_read_back(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, created = await svc.houses.save_house(
            admin, building=building, code="H-101", standard_address="文三路1号1幢101室"
        )
        assert created
        person = await svc.persons.add(admin, name="张三", id_number="11010519491231002X")
        await svc.persons.add_residency(admin, person_id=person.id, house_id=house.id)
        member = await svc.members.add(admin, telegram_id=42, role=Role.CADRE, name="王芳")
    async with storage.services() as svc:
        residents = await svc.persons.residents_of(admin, house.id)
        assert [r.person.id_number_masked for r in residents] == ["1101**********002X"]
        assert (await svc.members.by_telegram_id(42)).id == member.id
        assert await svc.houses.resolve_card(house.card_token) is not None
