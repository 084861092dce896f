"""The demo community's fixed data: ids, names, houses, people (valid GB 11643 numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from core.idnumber import check_digit
from core.models import CameraKind, GroupRole, HouseKind, PersonKind, RiskColour, Role

ADMIN_ID = 1001
POLICE_ID = 1002
CADRE_IDS = (2001, 2002, 2003)
GUARD_IDS = (3001, 3002)
RESIDENT_IDS = (4001, 4002)
GUARD_GROUP_ID = -100300
STAFF_GROUP_ID = -100200
COMMUNITY_NAME = "安宁社区"
COMMUNITY_PHONE = "0571-86880110"
CAMERAS_FILE_NAME = "demo-cameras.json"
FLOW = "seed_demo"

DEMO_GRIDS: list[tuple[str, str]] = [
    ("G01", "第一网格（华星小区）"),
    ("G02", "第二网格（嘉绿苑）"),
    ("G03", "第三网格（文三新村）"),
]
DEMO_MEMBERS: list[tuple[int, str, Role]] = [
    (ADMIN_ID, "陈建国", Role.ADMIN),
    (POLICE_ID, "周志刚", Role.POLICE),
    (CADRE_IDS[0], "王芳", Role.CADRE),
    (CADRE_IDS[1], "刘洋", Role.CADRE),
    (CADRE_IDS[2], "张敏", Role.CADRE),
    (GUARD_IDS[0], "赵大勇", Role.GUARD),
    (GUARD_IDS[1], "孙海涛", Role.GUARD),
    (RESIDENT_IDS[0], "林小雨", Role.RESIDENT),
    (RESIDENT_IDS[1], "何俊", Role.RESIDENT),
]
DEMO_GROUPS: list[tuple[int, GroupRole, str]] = [
    (GUARD_GROUP_ID, GroupRole.GUARDS, "安宁社区门岗群"),
    (STAFF_GROUP_ID, GroupRole.STAFF, "安宁社区工作群"),
]
DEMO_CAMERAS: list[tuple[str, CameraKind, str, str, int]] = [
    ("gate-north-face", CameraKind.FACE, "北门人脸抓拍", "G01", 1),
    ("gate-south-face", CameraKind.FACE, "南门人脸抓拍", "G02", 1),
    ("gate-east-plate", CameraKind.PLATE, "东门车辆卡口", "G03", 1),
    ("door-g01-b3-face", CameraKind.FACE, "华星小区3幢2单元门禁", "G01", 3),
]
DEMO_PLATES: list[tuple[str, str]] = [("浙A12345", "套牌嫌疑车辆"), ("皖K7Q826", "盗抢车辆协查")]


def demo_id_number(region: str, birth: str, sequence: int) -> str:
    """A GB 11643 number: 6-digit region, YYYYMMDD, 3-digit sequence, computed check digit."""
    first17 = f"{region}{birth}{sequence:03d}"
    return first17 + check_digit(first17)


@dataclass(frozen=True)
class DemoPerson:
    name: str
    region: str
    birth: str
    sequence: int
    kind: PersonKind = PersonKind.REGISTERED
    phone: str = ""

    @property
    def id_number(self) -> str:
        return demo_id_number(self.region, self.birth, self.sequence)


@dataclass(frozen=True)
class DemoHouse:
    grid: str
    building: str
    code: str
    address: str
    kind: HouseKind
    colour: RiskColour
    visited_days_ago: int | None
    landlord: DemoPerson | None
    occupants: tuple[DemoPerson, ...] = ()


ESTATES = {
    "G01": ("华星小区", "杭州市西湖区文三路477号华星小区"),
    "G02": ("嘉绿苑", "杭州市西湖区学院路28号嘉绿苑"),
    "G03": ("文三新村", "杭州市西湖区文三路文三新村"),
}


def _house(
    grid: str,
    place: tuple[int, int, int],
    colour: RiskColour,
    visited_days_ago: int | None,
    landlord: DemoPerson | None,
    *occupants: DemoPerson,
    kind: HouseKind = HouseKind.RENTAL,
) -> DemoHouse:
    """A house at (building, unit, room) of the grid's estate, e.g. 3幢2单元501室."""
    building, unit, room = place
    estate, prefix = ESTATES[grid]
    return DemoHouse(
        grid=grid,
        building=f"{estate}{building}幢",
        code=f"{grid}-{building:02d}-{unit}-{room}",
        address=f"{prefix}{building}幢{unit}单元{room}室",
        kind=kind,
        colour=colour,
        visited_days_ago=visited_days_ago,
        landlord=landlord,
        occupants=occupants,
    )


_F, _X = PersonKind.FLOATING, PersonKind.FOREIGN
_RED, _YELLOW, _GREEN = RiskColour.RED, RiskColour.YELLOW, RiskColour.GREEN
WU = DemoPerson("吴国平", "330106", "19620415", 31, phone="13906710231")
SHEN = DemoPerson("沈月华", "330106", "19580102", 42, phone="13857100342")
ZHENG = DemoPerson("郑建华", "330105", "19700530", 11, phone="13588020511")
FENG = DemoPerson("冯丽娟", "330105", "19750809", 22, phone="13967180822")
JIANG = DemoPerson("蒋志明", "330106", "19680320", 17, phone="13705710317")
HAN = DemoPerson("韩秀兰", "330106", "19600611", 48, phone="13645710648")
QIAN = DemoPerson("钱桂英", "330106", "19420815", 26, phone="057186012345")
CAO = DemoPerson("曹德明", "330106", "19550917", 13, phone="13306810913")
LIN = DemoPerson("林小雨", "350181", "19980623", 28, _F, "15158120628")
HE = DemoPerson("何俊", "430523", "19930112", 53, _F, "18667010112")
PERSON_OF_INTEREST = DemoPerson("杜小军", "411302", "19870603", 75, _F, "17605710603")
# Foreign residents: the 2023 permanent-residence ID (9 + province 33 + ISO country code).
KIM = DemoPerson("金敏浩", "933410", "19880921", 13, _X, "18268010921")
NGUYEN = DemoPerson("阮文雄", "933704", "19960105", 31, _X, "18069870105")

# fmt: off
DEMO_HOUSES: list[DemoHouse] = [
    _house("G01", (3, 2, 501), _RED, 20, WU,
           DemoPerson("马强", "412726", "19900708", 57, _F, "15036970708"),
           DemoPerson("马丽", "412726", "19920311", 64, _F, "15036970311")),
    _house("G01", (3, 2, 502), _YELLOW, 5, WU, KIM),
    _house("G01", (5, 1, 302), _GREEN, 10, SHEN, LIN),
    _house("G01", (5, 1, 601), _GREEN, 25, None, QIAN, kind=HouseKind.OWNER),
    _house("G02", (12, 1, 101), _RED, None, ZHENG,
           DemoPerson("刘军", "342401", "19851117", 35, _F, "13956401117"),
           DemoPerson("王涛", "342401", "19870226", 79, _F, "13956400226"),
           DemoPerson("陈亮", "511623", "19950409", 15, _F, "18782600409")),
    _house("G02", (12, 2, 402), _YELLOW, 40, ZHENG, HE),
    _house("G02", (15, 1, 201), _GREEN, 3, FENG, NGUYEN),
    _house("G02", (15, 1, 203), _GREEN, None, FENG, kind=HouseKind.VACANT),
    _house("G03", (7, 1, 301), _RED, 4, JIANG,
           DemoPerson("黄磊", "360731", "19910718", 33, _F, "15879710718")),
    _house("G03", (7, 2, 402), _YELLOW, 12, JIANG,
           DemoPerson("杨帆", "330102", "19970214", 26, phone="13735810214")),
    _house("G03", (9, 1, 101), _GREEN, 60, HAN,
           DemoPerson("谢伟", "510723", "19890923", 51, _F, "18381690923"),
           DemoPerson("谢婷", "510723", "19910505", 68, _F, "18381690505")),
    _house("G03", (9, 3, 502), _GREEN, 8, None, CAO, kind=HouseKind.OWNER),
]
# fmt: on
SEED_STEPS = len(DEMO_HOUSES) + 6
"""How many times `seed_demo` calls its progress callback (for a progress bar)."""
