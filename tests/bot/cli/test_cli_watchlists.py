"""`safecommunity watchlist …`: add a plate and a person (quality gate), list, end, purge."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageOps


def astronaut(path: Path) -> Path:
    from skimage import data

    Image.fromarray(data.astronaut()).save(path, "JPEG", quality=90)
    return path


@pytest.mark.usefixtures("ready")
def test_add_plate_list_end_and_purge(cli) -> None:
    added = cli(
        "watchlist", "add-plate", "--plate", "皖A12345", "--reason", "盗抢车辆",
        "--authority", "协查函 118", "--expires", "30d",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "皖A12345 on 布控车辆 (vehicles)" in added.out
    lists = cli("watchlist", "list")
    assert "布控车辆" in lists.out
    entries = cli("watchlist", "list", "--list", "vehicles")
    for words in ("皖A12345", "盗抢车辆", "协查函 118", "cli"):
        assert words in entries.out
    entry_id = entries.out.splitlines()[2].split()[0]
    ended = cli("watchlist", "end", "--entry", entry_id)
    assert ended.code == 0, ended.err
    assert "no longer matches" in ended.out
    assert "no entries" in cli("watchlist", "list", "--list", "vehicles").out
    assert "removed" in cli("watchlist", "list", "--list", "vehicles", "--all").out
    purged = cli("watchlist", "purge")
    assert purged.out.startswith("purged 1 entries"), purged.out


@pytest.mark.usefixtures("ready")
def test_an_entry_needs_a_reason_an_authority_and_a_sane_expiry(cli) -> None:
    base = ("watchlist", "add-plate", "--plate", "皖A12345")
    assert cli(*base, "--reason", "x").code == 2  # --authority is required
    blank = cli(*base, "--reason", " ", "--authority", "协查")
    assert (blank.code, blank.err) == (1, "error: invalid input: reason (max=300)\n")
    late = cli(*base, "--reason", "套牌", "--authority", "协查", "--expires", "soon")
    assert late.code == 1
    assert "--expires" in late.err


@pytest.mark.slow
@pytest.mark.usefixtures("ready")
def test_add_person_passes_the_photo_through_the_quality_gate(cli, tmp_path: Path) -> None:
    photo = astronaut(tmp_path / "a.jpg")
    added = cli(
        "watchlist", "add-person", "--list", "persons_of_interest", "--name", "张三",
        "--photo", str(photo), "--reason", "民警布控", "--authority", "协查 7",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "张三 on 重点人员" in added.out
    blank = tmp_path / "wall.jpg"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 200, 200)).save(out, "JPEG")
    blank.write_bytes(out.getvalue())
    refused = cli(
        "watchlist", "add-person", "--list", "missing", "--name", "李四",
        "--photo", str(blank), "--reason", "走失", "--authority", "家属",
    )  # fmt: skip
    assert refused.code == 1
    assert refused.err.startswith("error: photo refused:")


@pytest.mark.slow
@pytest.mark.usefixtures("ready")
def test_add_photo_adds_a_template_to_a_watched_person_within_the_limit(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = astronaut(tmp_path / "a.jpg")
    added = cli(
        "watchlist", "add-person", "--list", "persons_of_interest", "--name", "张三",
        "--photo", str(first), "--reason", "民警布控", "--authority", "协查 7",
    )  # fmt: skip
    assert added.code == 0, added.err
    entry = added.out.split(":")[0].removeprefix("entry ")
    # The mirrored astronaut, cropped to her face (the full mirror shows a false second face).
    turned = tmp_path / "b.jpg"
    ImageOps.mirror(Image.open(first)).crop((120, 0, 480, 360)).save(turned, "JPEG")
    second = cli("watchlist", "add-photo", "--entry", entry, "--photo", str(turned))
    assert second.code == 0, second.err
    assert f"entry {entry}: 张三 now has 2 face photos (limit 5)" in second.out
    monkeypatch.setenv("SAFECOMMUNITY_FACE_TEMPLATES_PER_PERSON", "2")
    third = cli("watchlist", "add-photo", "--entry", entry, "--photo", str(first))
    assert third.code == 0, third.err
    assert "now has 2 face photos (limit 2)" in third.out
    assert "1 older, least sharp template(s) no longer match" in third.out
    refused = cli("watchlist", "add-photo", "--entry", entry, "--photo", str(blank(tmp_path)))
    assert refused.code == 1
    assert refused.err.startswith("error: photo refused:")
    assert cli("watchlist", "add-photo", "--entry", "999", "--photo", str(turned)).code == 1


def blank(tmp_path: Path) -> Path:
    path = tmp_path / "wall.jpg"
    Image.new("RGB", (640, 480), (200, 200, 200)).save(path, "JPEG")
    return path
