"""House cards: the data (masked), the PDF sheet and PNG, read back the way a phone reads them."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from core.bootstrap import Storage
from core.cards import (
    CARD_H,
    CARD_W,
    CardInfo,
    card_layout,
    card_slot,
    find_cjk_font,
    page_count,
    render_png,
)
from core.cards.layout import INSET, Text, measure_for
from core.errors import ConfigurationError, InvalidInput, InvalidToken, NotFound, PermissionDenied
from core.idnumber import mask_name
from core.models import AuditEntry, HouseKind, RiskColour, Role
from core.roles import Actor
from recognition.qr import decode_qr_bytes
from tests.support.cards import card_photo, make_card_pdf, rasterise

BOT = "safecommunity_test_bot"
LANDLORD_ID, LANDLORD_PHONE = "33010619900101123X", "13906712345"
CADRE = Actor(role=Role.CADRE, member_id=None, label="cadre")


def font() -> Path:
    try:
        return find_cjk_font(None)
    except ConfigurationError as exc:
        pytest.skip(exc.message)


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")


def address(n: int) -> str:
    return f"杭州市西湖区翠苑街道翠苑一区{n}幢3单元{n:02d}2室"


async def seed(storage: Storage, admin: Actor, rentals: int = 12) -> list[str]:
    """`rentals` rental houses over two grids (+ one owner-occupied); returns their codes."""
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区", "0571-88000000")
        landlord = await svc.persons.add(
            admin, name="陈永康", id_number=LANDLORD_ID, phone=LANDLORD_PHONE
        )
        cadre = await svc.members.add(
            admin, telegram_id=None, role=Role.CADRE, name="许丽", phone="13800001111"
        )
        codes = []
        for n in range(1, rentals + 2):
            grid = await svc.houses.ensure_grid(admin, f"G{n % 2 + 1}", f"第{n % 2 + 1}网格")
            building = await svc.houses.ensure_building(admin, grid, f"{n}幢")
            code = f"A-{n:02d}-302"
            await svc.houses.save_house(
                admin,
                building=building,
                code=code,
                standard_address=address(n),
                kind=HouseKind.RENTAL if n <= rentals else HouseKind.OWNER,
                landlord_id=landlord.id if n % 3 else None,
                cadre_id=cadre.id if n % 4 else None,
            )
            codes.append(code)
    return codes[:rentals]


def test_mask_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("王小明") == "王**"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name(" 陈永康 ") == "陈**"
    assert mask_name("张") == "*"
    assert mask_name("") == ""


def test_font_discovery(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as missing:
        find_cjk_font(tmp_path / "nope.ttf")
    assert missing.value.variable == "SAFECOMMUNITY_CARD_FONT"
    with pytest.raises(ConfigurationError) as none:
        find_cjk_font(None, candidates=[tmp_path / "a.ttc"])
    assert "fonts-wqy-zenhei" in none.value.message
    assert none.value.variable == "SAFECOMMUNITY_CARD_FONT"
    chosen = tmp_path / "mine.ttf"
    chosen.write_bytes(b"x")
    assert find_cjk_font(chosen) == chosen
    assert find_cjk_font(None, candidates=[tmp_path / "a.ttc", chosen]) == chosen


async def test_card_infos_are_masked_sorted_rental_only_and_audited(
    storage: Storage, admin: Actor
) -> None:
    codes = await seed(storage, admin, rentals=5)
    async with storage.services() as svc:
        cards = await svc.houses.card_infos(admin, bot_username="@" + BOT)
    assert [c.house_code for c in cards] == sorted(codes)  # the owner-occupied one is left out
    first = cards[0]
    assert first.landlord == "陈** 139****2345"
    assert first.cadre_name == "许丽"
    assert first.cadre_phone == "13800001111"
    assert (first.community_name, first.community_phone) == ("安宁社区", "0571-88000000")
    assert first.deep_link.startswith(f"https://t.me/{BOT}?start=h_")
    assert cards[2].landlord == ""  # house 3 has no landlord recorded
    assert cards[3].cadre_name == ""  # nor house 4 a cadre
    async with storage.services() as svc:
        grid = await svc.houses.card_infos(admin, grid_code="G1", bot_username=BOT)
        picked = await svc.houses.card_infos(admin, codes=[codes[3], codes[1]], bot_username=BOT)
        entries = (await svc.session.scalars(select(AuditEntry))).all()
    assert {c.grid_name for c in grid} == {"第1网格"}
    assert [c.house_code for c in picked] == [codes[1], codes[3]]
    printed = [e for e in entries if e.action == "print_cards"]
    assert len(printed) == 3
    assert printed[-1].details["codes"] == [codes[1], codes[3]]


async def test_card_infos_refusals(storage: Storage, admin: Actor) -> None:
    codes = await seed(storage, admin, rentals=2)
    async with storage.services() as svc:
        with pytest.raises(NotFound):
            await svc.houses.card_infos(admin, codes=["NOPE"], bot_username=BOT)
        with pytest.raises(InvalidInput) as owner:
            await svc.houses.card_infos(admin, codes=["A-03-302"], bot_username=BOT)
        assert owner.value.detail == "not_rental"
        with pytest.raises(NotFound):
            await svc.houses.card_infos(admin, grid_code="G9", bot_username=BOT)
        with pytest.raises(InvalidInput):
            await svc.houses.card_infos(admin, codes=codes, bot_username="no good")
        with pytest.raises(PermissionDenied):
            await svc.houses.card_infos(CADRE, bot_username=BOT)


async def test_change_risk_colour(storage: Storage, admin: Actor) -> None:
    await seed(storage, admin, rentals=1)
    async with storage.services() as svc:
        house = await svc.houses.by_code(admin, "A-01-302")
        for blank in ("", "   ", "\u3164", "\u200b "):
            with pytest.raises(InvalidInput):
                await svc.houses.change_risk_colour(admin, house.id, RiskColour.RED, blank)
        with pytest.raises(InvalidInput):
            await svc.houses.change_risk_colour(admin, house.id, RiskColour.RED, "长" * 201)
        with pytest.raises(PermissionDenied):
            await svc.houses.change_risk_colour(CADRE, house.id, RiskColour.RED, "x")
        old = await svc.houses.change_risk_colour(admin, house.id, RiskColour.RED, " 群租隐患 ")
    assert old is RiskColour.GREEN
    async with storage.services() as svc:
        assert (await svc.houses.get(admin, house.id)).risk_colour is RiskColour.RED
        entry = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "risk_colour")
        )
    assert entry is not None
    assert entry.subject_id == str(house.id)
    assert entry.details == {"old": "green", "new": "red", "reason": "群租隐患"}


async def test_a_printed_sheet_reads_back(storage: Storage, admin: Actor, tmp_path: Path) -> None:
    """12 cards → 2 A4 pages; the text is real Chinese text, every QR opens its own house."""
    need("pdftotext")
    need("pdffonts")
    codes = await seed(storage, admin, rentals=12)
    started = time.perf_counter()
    pdf = await make_card_pdf(storage, codes, BOT)
    elapsed = time.perf_counter() - started
    assert pdf.startswith(b"%PDF")
    assert page_count(len(codes)) == 2
    path = tmp_path / "cards.pdf"
    path.write_bytes(pdf)
    fonts = run(["pdffonts", str(path)])
    assert "CID TrueType" in fonts
    assert any(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts.splitlines()[2:])
    text = run(["pdftotext", "-raw", str(path), "-"])
    assert text.count("\f") == 2  # pages
    assert address(1) in text.replace(" ", "").replace("\n", "")  # wrapped over two lines
    assert "安宁社区" in text
    assert "出租房屋便民服务信息采集卡" in text
    assert "陈** 139****2345" in text
    assert LANDLORD_ID not in text
    assert LANDLORD_PHONE not in text
    print(f"\n12 cards: {len(pdf)} bytes, 2 pages, rendered in {elapsed:.2f} s")

    page = rasterise(pdf, 0, 150)
    scale = 150 / 25.4
    found: dict[int, str] = {}
    for index in range(8):
        _page, x, y = card_slot(index)
        crop = page[round(y * scale) : round((y + CARD_H) * scale)]
        crop = crop[:, round(x * scale) : round((x + CARD_W) * scale)]
        links = decode_qr_bytes(png_bytes(crop))
        assert len(links) == 1, index
        found[index] = links[0]
    async with storage.services() as svc:
        for index, link in found.items():
            assert link.startswith(f"https://t.me/{BOT}?start=h_")
            house = await svc.houses.resolve_card(link.split("start=h_", 1)[1])
            assert house.code == codes[index]
        await svc.houses.reissue_card(admin, (await svc.houses.by_code(admin, codes[0])).id)
    async with storage.services() as svc:
        with pytest.raises(InvalidToken) as revoked:
            await svc.houses.resolve_card(found[0].split("start=h_", 1)[1])
        assert revoked.value.detail == "revoked"
        reprinted = await svc.houses.card_infos(admin, codes=[codes[0]], bot_username=BOT)
    assert reprinted[0].card_version == 2
    assert reprinted[0].deep_link != found[0]


async def test_the_png_card_opens_the_same_link(storage: Storage, admin: Actor) -> None:
    codes = await seed(storage, admin, rentals=1)
    async with storage.services() as svc:
        (info,) = await svc.houses.card_infos(admin, codes=codes, bot_username=BOT)
    png = render_png(info, font())
    assert png.startswith(b"\x89PNG")
    assert decode_qr_bytes(png) == [info.deep_link]


async def test_photographed_cards_still_decode(storage: Storage, admin: Actor) -> None:
    """The shared test helper: a distorted phone photo of a printed card decodes."""
    if storage.engine.dialect.name != "sqlite":
        pytest.skip("rendering does not depend on the database")
    codes = await seed(storage, admin, rentals=3)
    pdf = await make_card_pdf(storage, codes, BOT)
    async with storage.services() as svc:
        links = [c.deep_link for c in await svc.houses.card_infos(admin, bot_username=BOT)]
    assert decode_qr_bytes(card_photo(pdf, 1, distort=False)) == [links[1]]
    for seed_value in range(5):
        index = seed_value % 3
        photo = card_photo(pdf, index, seed=seed_value)
        assert photo[:3] == b"\xff\xd8\xff"  # JPEG
        assert decode_qr_bytes(photo) == [links[index]], seed_value
    assert card_photo(pdf, 2, seed=7) == card_photo(pdf, 2, seed=7)  # deterministic


def test_every_text_stays_inside_the_frame() -> None:
    """Long values wrap, shrink and finally end in an ellipsis; nothing leaves the card."""
    path = font()
    long = CardInfo(
        house_code="A01-12-3-402-EXTRA-LONG-CODE",
        address="杭州市西湖区翠苑街道翠苑一区十二幢三单元四零二室（东侧入户，门牌在楼道左手边）"
        * 2,
        grid_name="第一网格（翠苑一区东片）",
        community_name="安宁社区居民委员会",
        community_phone="0571-88000000",
        cadre_name="欧阳娜娜",
        cadre_phone="13800001111",
        landlord="欧阳** 139****2345",
        deep_link=f"https://t.me/{BOT}?start=h_1234-99-abcdefghijkl",
        card_version=99,
    )
    layout = card_layout(long, path)
    measure = measure_for(path)
    texts = [item for item in layout.items if isinstance(item, Text)]
    assert any(item.text.endswith("…") for item in texts)
    assert "v99" in [item.text for item in texts]
    for item in texts:
        width = measure.width(item.text, item.size)
        left = item.x - {"left": 0, "center": width / 2, "right": width}[item.align]
        assert left >= INSET, item
        assert left + width <= CARD_W - INSET, item
        assert INSET < item.y < CARD_H - INSET, item


def run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, check=True).stdout.decode()


def png_bytes(pixels: object) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")  # type: ignore[arg-type]
    return buffer.getvalue()
