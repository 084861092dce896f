"""house import / list and camera add / list."""

from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path

import pytest

from bot.cli.houses import COLUMNS
from core.bootstrap import storage
from core.errors import InvalidToken
from core.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "houses.csv"
BAD_ID = "330106196303080158"  # the example landlord's number with a wrong check digit


def test_the_example_header_is_the_documented_format() -> None:
    with EXAMPLES.open(encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == COLUMNS


@pytest.mark.usefixtures("ready")
def test_import_the_example(cli) -> None:
    result = cli("house", "import", str(EXAMPLES))
    assert result.code == 0, result.err
    assert "12 houses created, 0 updated, 14 residents added, 0 bad rows" in result.out
    assert "17/17" in result.err  # the progress line
    again = cli("house", "import", str(EXAMPLES))
    assert "0 houses created, 12 updated" in again.out
    listing = cli("house", "list", "--grid", "A02")
    assert listing.code == 0
    assert "A02-03-1-101" in listing.out
    assert "A01-12-3-402" not in listing.out
    assert "4 houses" in listing.out


@pytest.mark.usefixtures("ready")
def test_import_with_a_bom(cli, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLES.read_bytes())
    result = cli("house", "import", str(path))
    assert result.code == 0, result.err
    assert "12 houses created" in result.out


@pytest.mark.usefixtures("ready")
def test_a_bad_row_is_reported_with_its_line_and_the_rest_imported(cli, tmp_path: Path) -> None:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    assert "330106196303080157" in lines[1]
    lines[1] = lines[1].replace("330106196303080157", BAD_ID)
    lines.insert(3, "")  # a blank line: later line numbers still match the file
    lines[6] = lines[6].replace("2022-11-20", "2022-13-45")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("house", "import", str(path))
    assert result.code == 1
    assert "2 bad rows" in result.out
    assert f"{path}:2: InvalidIdNumber" in result.err
    assert f"{path}:7: " in result.err
    assert "Traceback" not in result.err
    # A01-12-3-402 is created by its next row; A01-15-1-201 had only the bad row.
    assert "11 houses created" in result.out
    listing = cli("house", "list")
    assert "A01-12-3-402" in listing.out
    assert "A01-15-1-201" not in listing.out
    assert "11 houses" in listing.out


@pytest.mark.usefixtures("ready")
def test_import_refuses_a_file_without_the_required_columns(cli, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("grid,address\nA01,somewhere\n", encoding="utf-8")
    result = cli("house", "import", str(path))
    assert result.code == 1
    assert result.err.startswith(f"error: {path}: missing columns: grid_code")


@pytest.mark.usefixtures("ready")
def test_import_explains_a_file_that_is_not_utf8(cli, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(EXAMPLES.read_text(encoding="utf-8").encode("gb18030"))
    result = cli("house", "import", str(path))
    assert result.code == 1
    assert "--encoding gb18030" in result.err
    converted = cli("house", "import", str(path), "--encoding", "gb18030")
    assert converted.code == 0, converted.err
    assert "12 houses created" in converted.out


@pytest.mark.usefixtures("ready")
def test_import_of_a_missing_file(cli, tmp_path: Path) -> None:
    result = cli("house", "import", str(tmp_path / "nope.csv"))
    assert result.code == 1
    assert "nope.csv" in result.err


@pytest.mark.usefixtures("ready")
def test_camera_add_prints_a_token_that_authenticates(cli, cli_settings: Settings) -> None:
    cli("house", "import", str(EXAMPLES))
    argv = "camera add --id gate-north --kind face --name 北门人脸抓拍 --grid A01 --layer 1"
    result = cli(*argv.split())
    assert result.code == 0, result.err
    assert "shown only once" in result.err
    match = re.search(r"token: (\S+)", result.out)
    assert match

    async def authenticate(token: str) -> str:
        async with storage(cli_settings, migrate=False) as opened, opened.services() as svc:
            return (await svc.cameras.authenticate("gate-north", token)).name

    assert asyncio.run(authenticate(match.group(1))) == "北门人脸抓拍"
    listing = cli("camera", "list")
    assert "gate-north" in listing.out
    assert "A01" in listing.out
    rotated = cli("camera", "rotate", "--id", "gate-north")
    assert rotated.code == 0, rotated.err
    new = re.search(r"token: (\S+)", rotated.out)
    assert new
    with pytest.raises(InvalidToken):
        asyncio.run(authenticate(match.group(1)))
    assert asyncio.run(authenticate(new.group(1))) == "北门人脸抓拍"
    assert cli("camera", "disable", "--id", "gate-north").code == 0
    with pytest.raises(InvalidToken):
        asyncio.run(authenticate(new.group(1)))


@pytest.mark.usefixtures("ready")
def test_camera_add_rejects_a_bad_layer_and_id(cli) -> None:
    layer = cli("camera", "add", "--id", "c1", "--kind", "face", "--name", "x", "--layer", "5")
    assert layer.code == 2
    bad_id = cli("camera", "add", "--id", "bad id!", "--kind", "plate", "--name", "x")
    assert bad_id.code == 1
    assert "camera_id" in bad_id.err
