"""`person show|export|erase` and `audit` on the command line."""

from __future__ import annotations

import asyncio
import json
import stat
import zipfile
from pathlib import Path

from core.bootstrap import open_storage
from core.models import PhotoKind, Role, WatchlistKind
from core.roles import Actor
from core.settings import Settings
from tests.core.pictures import picture

ID_NUMBER = "11010519491231002X"


def _seed(settings: Settings) -> tuple[int, int]:
    async def work() -> tuple[int, int]:
        storage = await open_storage(settings, migrate=False)
        admin = Actor.system("test")
        try:
            async with storage.services() as svc:
                person = await svc.persons.add(
                    admin, name="张三", id_number=ID_NUMBER, phone="13812345678"
                )
                await svc.persons.add(admin, name="张三丰")
                await svc.photos.store(admin, PhotoKind.FACE, picture("face"), person_id=person.id)
                officer = await svc.members.add(
                    admin, telegram_id=900, role=Role.POLICE, name="王警官"
                )
                wanted = await svc.watchlists.create(
                    admin, kind=WatchlistKind.PERSONS_OF_INTEREST, name="协查名单"
                )
                entry = await svc.watchlists.add_person(
                    Actor(Role.POLICE, officer.id),
                    wanted.id,
                    person.id,
                    reason="派出所协查",
                    authority="派出所",
                )
                return person.id, entry.id
        finally:
            await storage.close()

    return asyncio.run(work())


def test_show_search_and_reveal(cli, cli_settings: Settings) -> None:
    person_id, _ = _seed(cli_settings)
    listed = cli("person", "show", "张三")
    assert listed.code == 0, listed.err
    assert "2 persons" in listed.out
    one = cli("person", "show", "002X")
    assert one.code == 0, one.err
    assert f"person {person_id}: 张三" in one.out
    assert "1101**********002X" in one.out
    assert ID_NUMBER not in one.out
    assert "协查名单" in one.out
    assert "王警官 (police)" in one.out
    assert cli("person", "show", "--id", str(person_id), "--reveal-id").code == 2
    full = cli("person", "show", "--id", str(person_id), "--reveal-id", "--reason", "协查")
    assert full.code == 0, full.err
    assert ID_NUMBER in full.out
    assert cli("person", "show", "不存在").code == 1

    audit = cli("audit", "--person", str(person_id))
    assert audit.code == 0, audit.err
    assert "reveal_id_number" in audit.out
    assert "协查" in audit.out
    assert "page 1 of 1" in audit.out
    assert cli("audit", "--day", "2020-01-01").out.strip() == "no audit entries"
    assert cli("audit", "--since", "nonsense").code == 2


def test_export_then_erase(cli, cli_settings: Settings, tmp_path: Path) -> None:
    person_id, entry_id = _seed(cli_settings)
    out = tmp_path / "export.zip"
    exported = cli("person", "export", "--id", str(person_id), "--out", str(out))
    assert exported.code == 0, exported.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as archive:
        record = json.loads(archive.read("record.json"))
        assert record["person"]["id_number"] == ID_NUMBER
        assert any(name.startswith("pictures/") for name in archive.namelist())
    assert cli("person", "export", "--id", str(person_id), "--out", str(out)).code == 1

    refused = cli("person", "erase", "--id", str(person_id), "--reason", "本人申请")
    assert refused.code == 1
    assert f"entry={entry_id}" in refused.err
    assert "协查名单" in refused.err
    assert "王警官 (police)" in refused.err

    other = person_id + 1  # nothing holds 张三丰
    erased = cli("person", "erase", "--id", str(other), "--reason", "本人申请删除")
    assert erased.code == 0, erased.err
    assert f"erased person {other}" in erased.out
    shown = cli("person", "show", "--id", str(other))
    assert "(erased)" in shown.out
    assert "本人申请删除" in shown.out
    assert cli("person", "erase", "--id", str(other), "--reason", "again").code == 1
